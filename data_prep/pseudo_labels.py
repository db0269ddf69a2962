"""Label frames with a teacher model's predictions (pseudo-labels), optionally kept where the
frames' own labels name exactly one of the teacher's classes.

A student learns the teacher's label space from frames the teacher never saw (here: a Cityscapes
model's 19 classes on CamVid frames). Per frame, ``OUT/STEM.png`` (uint8) holds

- the teacher's class (its config's test pipeline, its prediction at the image's size), and,
  with ``--labels DIR --label-map NAME``,
- the frame's own label where it maps to one teacher class (e.g. ``camvid_to_cityscapes``: CamVid
  road, sky, car, ... as Cityscapes train ids); its void and classes that span several teacher
  classes (255 in the map) keep the teacher's prediction.

``OUT/pseudo_labels.json`` says how they were made and measures the teacher against the frames'
labels on the pixels where both speak: agreement overall and per class, and the share of pixels
that the frames' labels replaced.

    python data_prep/pseudo_labels.py CONFIG CKPT IMAGES --out OUT \
        [--labels LABELS --label-map camvid_to_cityscapes] [--void 11]
"""
import argparse
import json
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.apis.frames import open_frames  # noqa: E402
from anomseg.evaluation.functional import prediction_agreement  # noqa: E402
from anomseg.utils import atomic_output_dir, check_new_output_dir, write_json_atomic  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402


def mapped_labels(labels, label_map, void=None):
    """``label_map[labels]`` (255 where a label maps to no teacher class), 255 at ``void``."""
    lut = np.full(256, 255, np.uint8)
    lut[:len(label_map)] = label_map
    mapped = lut[labels]
    if void is not None:
        mapped[labels == void] = 255
    return mapped


def combine(teacher, labels=None, label_map=None, void=None):
    """The pseudo-label of one frame: ``teacher`` (H, W) class ids, replaced by
    ``label_map[labels]`` where that is a class (not 255) and ``labels`` is not ``void``."""
    out = teacher.astype(np.uint8, copy=True)
    if labels is None:
        return out
    mapped = mapped_labels(labels, label_map, void)
    keep = mapped != 255
    out[keep] = mapped[keep]
    return out


def list_frames(images, labels):
    """The images of the folder ``images`` (each checked), and, with ``labels``, a check that
    every one has its label ``labels/STEM.png``."""
    frames = open_frames(images).paths
    if labels:
        expected = (osp.join(labels, osp.splitext(osp.basename(p))[0] + '.png') for p in frames)
        missing = [p for p in expected if not osp.isfile(p)]
        if missing:
            raise InputError(f'{missing[0]}: label of {len(missing)} image(s) missing')
    return frames


@cli('pseudo_labels.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', help="the teacher's config")
    parser.add_argument('checkpoint', help="the teacher's weights")
    parser.add_argument('images', help='folder of frames (images)')
    parser.add_argument('--out', required=True, help='new folder for STEM.png pseudo-labels')
    parser.add_argument('--labels', help="folder of the frames' own labels (STEM.png)")
    parser.add_argument('--label-map', help='anomseg.datasets.camvid.CLASS_MAPPINGS name that '
                        "sends the frames' label ids to the teacher's classes")
    parser.add_argument('--void', type=int, help="the frames' void label id (never kept)")
    add_debug_argument(parser)
    args = parser.parse_args(argv)
    if bool(args.labels) != bool(args.label_map):
        raise InputError('--labels and --label-map go together')
    label_map = None
    if args.label_map:
        from anomseg.datasets.camvid import CLASS_MAPPINGS
        if args.label_map not in CLASS_MAPPINGS:
            raise InputError(f'--label-map {args.label_map}: one of {sorted(CLASS_MAPPINGS)}')
        label_map = np.asarray(CLASS_MAPPINGS[args.label_map], np.uint8)
    frames = list_frames(args.images, args.labels)
    check_new_output_dir(args.images, args.out)

    import torch
    from mmengine.dataset import Compose
    from mmseg.apis import init_model
    from mmseg.utils import register_all_modules

    import anomseg  # noqa: F401
    from anomseg.apis.run_config import load_config
    register_all_modules(init_default_scope=True)
    cfg = load_config(args.config)
    cfg.model.test_cfg.scorer = ['max_logit']  # the class prediction is all that is kept
    model = init_model(cfg, args.checkpoint, device='cpu')
    # the config's test pipeline without its label loading
    pipeline = Compose([s for s in cfg.test_pipeline if 'Annotations' not in s['type']])
    classes = model.dataset_meta['classes']
    counts = np.zeros((2, len(classes)), np.int64)
    replaced = total = 0
    with atomic_output_dir(args.out) as tmp, torch.no_grad():
        for i, path in enumerate(frames):
            stem = osp.splitext(osp.basename(path))[0]
            data = pipeline(dict(img_path=path))
            pred = model.test_step(dict(inputs=[data['inputs']],
                                        data_samples=[data['data_samples']]))[0]
            teacher = pred.pred_sem_seg.data[0].numpy().astype(np.uint8)
            labels = None
            if args.labels:
                labels = cv2.imread(osp.join(args.labels, stem + '.png'), cv2.IMREAD_UNCHANGED)
                if labels is None or labels.shape != teacher.shape:
                    raise InputError(f'{osp.join(args.labels, stem + ".png")}: not a label map '
                                     f'of the image size {teacher.shape}')
                mapped = mapped_labels(labels, label_map, args.void)
                _, _, hit, counted = prediction_agreement(
                    mapped.astype(np.int64), teacher.astype(np.int64), mapped != 255,
                    len(classes))
                counts += np.stack([hit, counted])
            pseudo = combine(teacher, labels, label_map, args.void)
            replaced += int((pseudo != teacher).sum())
            total += pseudo.size
            if not cv2.imwrite(osp.join(tmp, stem + '.png'), pseudo):
                raise OSError(f'{osp.join(args.out, stem + ".png")}: could not be written')
            if (i + 1) % 25 == 0 or i + 1 == len(frames):
                print(f'{i + 1}/{len(frames)} frames', flush=True)
        report = dict(config=args.config, checkpoint=args.checkpoint, images=args.images,
                      labels=args.labels, label_map=args.label_map, void=args.void,
                      frames=len(frames), classes=list(classes),
                      changed_by_labels=replaced / total)
        if args.labels:
            report['teacher_agreement'] = float(counts[0].sum() / max(counts[1].sum(), 1))
            report['teacher_agreement_per_class'] = {
                c: float(h / n) for c, h, n in zip(classes, counts[0], counts[1]) if n}
        write_json_atomic(osp.join(tmp, 'pseudo_labels.json'), report)
    print(json.dumps({k: v for k, v in report.items() if k != 'teacher_agreement_per_class'}))
    return 0


if __name__ == '__main__':
    sys.exit(main())
