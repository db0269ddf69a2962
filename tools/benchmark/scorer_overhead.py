"""Cost of the anomaly scorers next to the network, and end-to-end inference speed.

    python tools/benchmark/scorer_overhead.py [CONFIG] [--shape 512 1024] [--fps-shape 720 1280]

1. At --shape, times the network's forward pass up to its class scores (backbone, head and, for
   a mask head, mmseg's L_k(x) at input size: what its semantic prediction needs anyway), then
   each scorer alone on those outputs, and prints scorer time / forward time.
2. At --fps-shape, times ``test_step`` (normalisation, padding, forward, every configured scorer,
   resizing to the input) and prints frames per second.
Weights are random: speed does not depend on them. Medians over --repeat runs after a warm-up.
"""
import argparse
import statistics
import time

import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import anomseg  # noqa: F401
from anomseg.models.scorers import QueryOutputs, build_scorers
from anomseg.registry import SCORERS


def median_time(fn, repeat):
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?',
                        default='configs/mask2former/mask2former_mnv2-lite_1k_synthroad-256x256.py')
    parser.add_argument('--shape', type=int, nargs=2, default=(512, 1024))
    parser.add_argument('--fps-shape', type=int, nargs=2, default=(720, 1280))
    parser.add_argument('--repeat', type=int, default=5)
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
    with torch.no_grad():
        if queries:
            def forward():
                out, _ = model.decode_head.predict_queries(model.extract_feat(x), metas)
                return out, out.class_scores
        else:
            def forward():
                return None, model.inference(x, metas)
        t_forward = median_time(forward, args.repeat)
        out, logits = forward()
        print(f'\nforward at {h}x{w}: {1000 * t_forward:.1f} ms')
        print(f'{"scorer":>14s} {"ms":>9s} {"/ forward":>10s}')
        names = [n for n in SCORERS.module_dict
                 if queries or SCORERS.get(n).scorer_inputs == 'logits']
        for name in names:
            scorer = build_scorers(name)[name]
            if name == 'uno' and out.cls_logits.shape[-1] < out.num_known + 2:
                continue  # needs a head trained with a negative class
            if scorer.inputs == 'queries':
                def run():  # fresh outputs: only L, which the forward needs anyway, is shared
                    fresh = QueryOutputs(out.cls_logits, out.mask_logits, out.num_known, logits)
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


if __name__ == '__main__':
    main()
