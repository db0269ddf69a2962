"""Write deterministic synthetic anomaly score maps for a benchmark's frames: a reference input
for tools/eval_scores.py when no model is at hand (sanity checks, metric comparisons).

    python tools/misc/synthetic_scores.py --dataset RoadAnomaly --data-root DIR --out DIR

Each map (float16, in [0, 1]) is 0.35 + 0.3 * anomaly + 0.15 * unit-variance noise blurred with
sigma 3, clipped; the noise is seeded by --seed and the frame's position.
"""
import argparse
import io
import os.path as osp

import cv2
import numpy as np
from mmseg.utils import register_all_modules

from anomseg.apis import add_benchmark_arguments, benchmark_options
from anomseg.datasets.benchmarks import build_benchmark, frame_id
from anomseg.datasets.transforms import LoadAnomalyAnnotations
from anomseg.utils import write_bytes_atomic
from anomseg.utils.cli import add_debug_argument, cli


def synthetic_scores(labels, seed):
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.standard_normal(labels.shape).astype(np.float32), (0, 0), 3)
    noise /= noise.std()
    return np.clip(0.35 + 0.3 * (labels == 1) + 0.15 * noise, 0, 1).astype(np.float16)


@cli('synthetic_scores.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_benchmark_arguments(parser)
    parser.add_argument('--out', required=True, help='folder for FRAME_ID.npy')
    parser.add_argument('--seed', type=int, default=0)
    args = add_debug_argument(parser).parse_args(argv)
    register_all_modules(init_default_scope=True)
    dataset, _ = build_benchmark(args.dataset, args.data_root, **benchmark_options(args))
    load = LoadAnomalyAnnotations()
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        labels = load(dict(info))['gt_anomaly_map']
        buf = io.BytesIO()
        np.save(buf, synthetic_scores(labels, [args.seed, i]))
        write_bytes_atomic(osp.join(args.out, frame_id(info['img_path']) + '.npy'), buf.getvalue())
    print(f'{args.out}: {len(dataset)} maps')


if __name__ == '__main__':
    main()
