"""Agreement of two models' semantic predictions on an anomaly benchmark's inlier pixels: how
much of a reference model's closed-set segmentation an outlier fine-tuning keeps.

    python tools/analysis/prediction_agreement.py REF_CONFIG REF_CKPT CONFIG CKPT \
        --benchmark RoadAnomaly --benchmark-root DIR [--out agreement.json]

Both models see every frame through their own config's test pipeline; predictions are compared
at the labels' resolution on the inlier pixels (anomaly label 0: neither anomaly nor void).
Prints and writes the overall agreement, the per-frame minimum and the agreement per class the
reference predicts (``anomseg.evaluation.functional.prediction_agreement``).
"""
import argparse

import numpy as np

from anomseg.apis.inferencer import AnomalyInferencer
from anomseg.datasets.benchmarks import ANOMALY_BENCHMARKS, benchmark_frames, build_benchmark
from anomseg.evaluation.functional import prediction_agreement
from anomseg.utils import load_checkpoint_file
from anomseg.utils.cli import add_debug_argument, cli
from anomseg.utils.io import write_json_atomic
from anomseg.utils.errors import InputError


@cli('prediction_agreement.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('ref_config')
    parser.add_argument('ref_checkpoint')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--benchmark', required=True, choices=sorted(ANOMALY_BENCHMARKS))
    parser.add_argument('--benchmark-root', required=True)
    parser.add_argument('--out', help='write the numbers to this JSON file')
    args = add_debug_argument(parser).parse_args(argv)
    dataset, _ = build_benchmark(args.benchmark, args.benchmark_root)
    ref = AnomalyInferencer(args.ref_config, args.ref_checkpoint)
    tuned = AnomalyInferencer(args.config, args.checkpoint)
    # the reference's classes: its training set's, else those its checkpoint carries
    classes = ref.classes or load_checkpoint_file(args.ref_checkpoint).get('meta', {}).get(
        'dataset_meta', {}).get('classes') or []
    agree = total = 0
    per_class = np.zeros((2, max(len(classes), 1)), np.int64)
    frames = {}
    for info, image, labels in benchmark_frames(dataset):
        a = ref([image])[0]['sem_seg']
        b = tuned([image])[0]['sem_seg']
        if a.shape != labels.shape:
            raise InputError(f'{info["img_path"]}: prediction {a.shape} and labels '
                             f'{labels.shape} differ in size')
        n_agree, n, cls_agree, cls_total = prediction_agreement(
            a.astype(np.int64), b.astype(np.int64), labels == 0, per_class.shape[1])
        agree, total = agree + n_agree, total + n
        per_class += np.stack([cls_agree, cls_total])
        if n:  # a frame that is all anomaly or void has nothing to agree on
            frames[info['img_path']] = n_agree / n
    if not frames:
        raise InputError(f'{args.benchmark_root}: no frame has inlier pixels')
    result = dict(benchmark=args.benchmark, frames=len(frames),
                  agreement=agree / total, min_frame_agreement=min(frames.values()),
                  per_class={name: float(per_class[0, k] / per_class[1, k])
                             for k, name in enumerate(classes) if per_class[1, k]})
    print(f'{args.benchmark}: {len(frames)} frames, agreement on inlier pixels '
          f'{100 * result["agreement"]:.2f}% '
          f'(worst frame {100 * result["min_frame_agreement"]:.2f}%)')
    if args.out:
        write_json_atomic(args.out, result)


if __name__ == '__main__':
    main()
