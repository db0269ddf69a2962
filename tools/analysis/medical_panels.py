"""Heatmap panels of test slices for a model of docs/medical.md: per slice the image, the ground
truth (inlier classes, anomaly outlined), the class prediction and each scorer's map, cropped
around the heart.

    python tools/analysis/medical_panels.py CONFIG CHECKPOINT --out panels.png \
        [--scorer maxquery,msp] [--slices 4] [--margin 24]

The slices shown are the test set's with the most anomaly pixels, one per patient (chosen by the
ground truth, for display only). Each score map is drawn on the colour range of that scorer over
the shown slices (1st to 99th percentile), with its colour bar; higher means more anomalous.
"""
import argparse
import os.path as osp
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import mmcv  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from mmengine.dataset import Compose  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmseg.registry import DATASETS  # noqa: E402

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
from anomseg.apis import AnomalyInferencer  # noqa: E402
from anomseg.datasets.transforms.loading import LABEL_LOADERS  # noqa: E402
from anomseg.utils import write_bytes_atomic  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402


def pick_slices(cfg, count):
    """[(image path, class labels, anomaly labels)] of the test slices with the most anomaly
    pixels, one per patient."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(dict(cfg.test_dataloader.dataset, pipeline=[]))
    steps = [s for s in cfg.test_dataloader.dataset.pipeline
             if s['type'] in LABEL_LOADERS + ('LoadAnomalyAnnotations', )]
    load = Compose(steps)
    candidates = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        labels = load(dict(info, seg_fields=[]))
        candidates.append((int((labels['gt_anomaly_map'] == 1).sum()), info.get('patient', i),
                           info['img_path'], labels['gt_seg_map'], labels['gt_anomaly_map']))
    chosen, patients = [], set()
    for count_px, patient, path, seg, anomaly in sorted(candidates, key=lambda c: -c[0]):
        if patient not in patients and len(chosen) < count:
            chosen.append((path, seg, anomaly))
            patients.add(patient)
    return chosen


def crop_box(seg, anomaly, margin):
    ys, xs = np.nonzero(((seg > 0) & (seg != 255)) | (anomaly == 1))
    h, w = seg.shape
    side = max(ys.max() - ys.min(), xs.max() - xs.min()) + 2 * margin
    cy, cx = (ys.max() + ys.min()) // 2, (xs.max() + xs.min()) // 2
    top = int(np.clip(cy - side // 2, 0, max(h - side, 0)))
    left = int(np.clip(cx - side // 2, 0, max(w - side, 0)))
    return slice(top, top + side), slice(left, left + side)


@cli('medical_panels.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='PNG file')
    parser.add_argument('--scorer', help='comma-separated (default: the config\'s)')
    parser.add_argument('--slices', type=int, default=4)
    parser.add_argument('--margin', type=int, default=24, help='pixels around the heart')
    parser.add_argument('--title', default='')
    args = add_debug_argument(parser).parse_args(argv)
    model = AnomalyInferencer(args.config, args.checkpoint,
                              scorer=args.scorer.split(',') if args.scorer else None)
    slices = pick_slices(model.cfg, args.slices)
    outputs = [model([mmcv.imread(path)])[0] for path, _, _ in slices]
    palette = model.palette / 255.0
    classes = ListedColormap(palette)
    ranges = {name: np.percentile(np.concatenate([o['scores'][name].ravel() for o in outputs]),
                                  (1, 99)) for name in model.scorers}
    columns = ['image', 'ground truth', 'prediction'] + model.scorers
    fig, axes = plt.subplots(len(slices), len(columns), squeeze=False,
                             figsize=(2.2 * len(columns), 2.3 * len(slices)))
    for row, ((path, seg, anomaly), out) in enumerate(zip(slices, outputs)):
        box = crop_box(seg, anomaly, args.margin)
        image = mmcv.imread(path, flag='grayscale')[box]
        gt = palette[np.clip(seg, 0, len(palette) - 1)]
        gt[anomaly == 1] = (0, 1, 1)  # the anomaly in cyan, as its outline elsewhere
        panels = [('image', image, dict(cmap='gray')),
                  ('ground truth', gt[box], dict(interpolation='nearest')),
                  ('prediction', out['sem_seg'][box], dict(cmap=classes, vmin=0,
                                                           vmax=len(palette) - 1,
                                                           interpolation='nearest'))]
        panels += [(name, out['scores'][name][box], dict(cmap='inferno', vmin=ranges[name][0],
                                                        vmax=ranges[name][1]))
                   for name in model.scorers]
        for col, (name, data, style) in enumerate(panels):
            ax = axes[row, col]
            shown = ax.imshow(data, **style)
            if col >= 1:  # the anomaly's outline on every panel but the image
                ax.contour(anomaly[box] == 1, levels=[0.5], colors='cyan', linewidths=0.8)
            if row == 0:
                ax.set_title(name if col < 3 else f'{name} (high = anomalous)', fontsize=8)
            if col >= 3 and row == len(slices) - 1:
                bar = fig.colorbar(shown, ax=axes[:, col].tolist(), orientation='horizontal',
                                   fraction=0.04, pad=0.02)
                bar.locator = matplotlib.ticker.MaxNLocator(4)  # ticks that do not overlap
                bar.update_ticks()
                bar.ax.tick_params(labelsize=6)
            ax.set_xticks([])
            ax.set_yticks([])
        axes[row, 0].set_ylabel(osp.splitext(osp.basename(path))[0], fontsize=6)
    handles = [matplotlib.patches.Patch(color=c, label=n) for c, n in zip(palette, model.classes)]
    handles.append(matplotlib.lines.Line2D([], [], color='cyan', label='anomaly (ground truth)'))
    fig.legend(handles=handles, loc='lower center', ncol=len(handles), fontsize=7, frameon=False)
    if args.title:
        fig.suptitle(args.title, fontsize=9)
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format='png', dpi=110, bbox_inches='tight')
    write_bytes_atomic(args.out, buf.getvalue())
    print(f'panels of {len(slices)} slices: {args.out}')


if __name__ == '__main__':
    main()
