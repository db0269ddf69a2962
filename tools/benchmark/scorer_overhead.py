"""Cost of the anomaly scorers next to the network, and end-to-end inference speed.

    python tools/benchmark/scorer_overhead.py [CONFIG] [--shape 512 1024] [--fps-shape 720 1280]
        [--folder DIR] [--frames 10]

The model is prepared as ``tools/infer.py`` prepares it on CPU (``optimise_for_cpu``: folded
BatchNorms, NHWC backbone, levelwise deformable attention); the forward pass of the model as
built is printed beside it.

1. At --shape, times the network's forward pass up to its class scores (backbone, head and, for
   a mask head, mmseg's L_k(x) at input size with the sigmoid of every mask: what its semantic
   prediction needs anyway), then each scorer alone on those outputs, and prints scorer time /
   forward time.
2. At --fps-shape, times ``test_step`` (normalisation, padding, forward, every configured scorer,
   resizing to the input) and prints frames per second.
3. End to end, ``AnomalyInferencer.run`` (what ``tools/infer.py`` runs) on the first --frames
   images of --folder (default: RoadAnomaly's frames under $ANOMSEG_SHARED, 1280x720; else
   synthetic frames of --fps-shape), the network at each frame's own size: reading, inference,
   heatmap panels and PNG writing, in frames per second.
Weights are random: speed does not depend on them. Medians over --repeat runs after a warm-up.
"""
import argparse
import glob
import os
import os.path as osp
import shutil
import tempfile

import cv2
import numpy as np

import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import anomseg  # noqa: F401
from anomseg.apis import AnomalyInferencer
from anomseg.apis import optimise_for_cpu
from anomseg.models.scorers import QueryOutputs, build_scorers
from anomseg.registry import SCORERS
from anomseg.utils import shared_root
from anomseg.utils.timing import median_time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?',
                        default='configs/mask2former/'
                        'mask2former-lite_mnv2_1xb4-1k_synthroad-256x256.py')
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 1024))
    parser.add_argument('--fps-shape', type=int, nargs=2, default=(720, 1280))
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--folder', help='images for the end-to-end run')
    parser.add_argument('--frames', type=int, default=10)
    args = parser.parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).eval()
    print(f'{args.config}\ntorch {torch.__version__}, {torch.get_num_threads()} threads')

    h, w = args.shape
    x = torch.randn(1, 3, h, w)
    metas = [dict(ori_shape=(h, w), img_shape=(h, w), pad_shape=(h, w),
                  padding_size=[0, 0, 0, 0])]
    queries = hasattr(model.decode_head, 'predict_queries')

    def make_forward(model):
        if queries:
            def forward():
                out, _ = model.decode_head.predict_queries(model.extract_feat(x), metas)
                out.class_scores  # computes the mask sigmoids, kept for the scorers
                return out, out.class_scores
        else:
            def forward():
                return None, model.inference(x, metas)
        return forward

    state_dict = {k: v.clone() for k, v in model.state_dict().items()}
    with torch.no_grad():
        t_built = median_time(make_forward(model), args.repeat)
        optimise_for_cpu(model)
        forward = make_forward(model)
        t_forward = median_time(forward, args.repeat)
        out, logits = forward()
        print(f'\nforward at {h}x{w}: {1000 * t_forward:.1f} ms '
              f'(as built: {1000 * t_built:.1f} ms)')
        print(f'{"scorer":>14s} {"ms":>9s} {"/ forward":>10s}')
        names = [n for n in SCORERS.module_dict
                 if queries or SCORERS.get(n).scorer_inputs == 'logits']
        for name in names:
            scorer = build_scorers(name)[name]
            if name == 'uno' and out.cls_logits.shape[-1] < out.num_known + 2:
                continue  # needs a head trained with a negative class
            if scorer.inputs == 'queries':
                def run():  # fresh outputs sharing what the forward needs anyway: L and the
                    # sigmoid of every mask (L_k = sum_q p_qk sigmoid(m_q))
                    fresh = QueryOutputs(out.cls_logits, out.mask_logits, out.num_known, logits)
                    fresh.__dict__['mask_probs'] = out.mask_probs
                    return scorer.fn(fresh)
            else:
                def run():
                    return scorer.fn(logits)
            t = median_time(run, args.repeat)
            print(f'{name:>14s} {1000 * t:9.2f} {100 * t / t_forward:9.2f}%')

        fh, fw = args.fps_shape
        sample = SegDataSample(metainfo=dict(ori_shape=(fh, fw), img_shape=(fh, fw)))
        data = dict(inputs=[torch.randint(0, 256, (3, fh, fw), dtype=torch.uint8)],
                    data_samples=[sample])
        t = median_time(lambda: model.test_step(data), args.repeat)
        scorers = ', '.join(model.scorers)
        print(f'\ninference at {fh}x{fw} ({scorers}): {t:.3f} s/frame, {1 / t:.2f} frames/s')
    end_to_end(args, state_dict)


def end_to_end(args, state_dict):
    """tools/infer.py's run on a folder, the network at each frame's own size."""
    work = tempfile.mkdtemp(prefix='anomseg-infer-speed-')
    try:
        folder = args.folder or osp.join(shared_root(), 'data', 'RoadAnomaly_jpg', 'frames')
        images = sorted(p for p in glob.glob(osp.join(folder, '*.jpg')) if 'label' not in p)
        if not images:  # no real frames: synthetic ones of --fps-shape
            rng = np.random.default_rng(0)
            images = [osp.join(work, f'{i:03d}.jpg') for i in range(args.frames)]
            for path in images:
                cv2.imwrite(path, rng.integers(0, 256, (*args.fps_shape, 3), np.uint8))
        os.makedirs(osp.join(work, 'in'))
        for path in images[:args.frames]:
            os.symlink(osp.abspath(path), osp.join(work, 'in', osp.basename(path)))
        checkpoint = osp.join(work, 'random.pth')
        torch.save(dict(state_dict=state_dict, meta={}), checkpoint)
        inferencer = AnomalyInferencer(args.config, checkpoint)
        shape = cv2.imread(images[0]).shape[:2]
        for step in inferencer.pipeline.transforms:  # the network sees the frames' own size
            if type(step).__name__ == 'Resize':
                step.scale, step.scale_factor = (shape[1], shape[0]), None
        inferencer.run(osp.join(work, 'in'), osp.join(work, 'warm'), progress=False)
        summary = inferencer.run(osp.join(work, 'in'), osp.join(work, 'out'), progress=False)
        print(f'\nend to end (tools/infer.py on {summary["frames"]} frames of {shape[1]}x{shape[0]}'
              f' from {folder if args.folder or len(images) > args.frames else "synthetic"}): '
              f'{summary["seconds"] / summary["frames"]:.3f} s/frame, {summary["fps"]:.2f} '
              'frames/s')
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    main()
