"""How far the streaming pixel metrics are from sorting every pixel, on saved score maps.

    python tools/benchmark/quantisation_error.py --dataset FishyscapesStatic --data-root DIR \
        --scores DIR [--scores DIR ...]

Each --scores folder holds one map per frame (FRAME_ID.npy, e.g. ``tools/test.py --out``'s
``OUT/SCORER/``). For each, AP / AUROC / FPR95 of ``ScoreCounts`` (exact while the distinct
scores fit, then order-preserving buckets) beside the same metrics of all pixels sorted at once
(sklearn's ``average_precision_score`` and ``roc_auc_score``, FPR95 walked over the sorted
scores), the absolute differences, and how many bits the buckets dropped (0: exact).
"""
import argparse
import glob
import os.path as osp

import numpy as np
from mmseg.utils import register_all_modules
from sklearn.metrics import average_precision_score, roc_auc_score

from anomseg.apis import add_benchmark_arguments, benchmark_options
from anomseg.apis.evaluate_scores import read_score_file
from anomseg.datasets.benchmarks import build_benchmark, frame_id
from anomseg.datasets.transforms import LoadAnomalyAnnotations
from anomseg.evaluation.functional import ScoreCounts, curve_metrics


def sorted_fpr95(scores, labels):
    order = np.argsort(-scores, kind='stable')
    s, positive = scores[order], labels[order] == 1
    last = np.r_[np.nonzero(s[1:] != s[:-1])[0], s.size - 1]  # end of each tie run
    tp = np.cumsum(positive)[last]
    fp = last + 1 - tp
    return float(fp[np.argmax(tp >= 0.95 * tp[-1])] / fp[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_benchmark_arguments(parser)
    parser.add_argument('--scores', action='append', required=True)
    args = parser.parse_args(argv)
    register_all_modules(init_default_scope=True)
    dataset, _ = build_benchmark(args.dataset, args.data_root, **benchmark_options(args))
    load = LoadAnomalyAnnotations()
    labels = {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        labels[frame_id(info['img_path'])] = load(dict(info))['gt_anomaly_map']
    print(f'{"scores":>30s} {"dtype":>8s} {"bits":>4s}  ' +
          '  '.join(f'{m:>10s} {"|error|":>8s}' for m in ('AP', 'AUROC', 'FPR95')))
    for folder in args.scores:
        counts, everything = ScoreCounts(), ([], [])
        paths = sorted(glob.glob(osp.join(folder, '*.npy')))
        for path in paths:
            y = labels[osp.splitext(osp.basename(path))[0]]
            s = read_score_file(path)
            counts.update(s, y)
            keep = (y == 0) | (y == 1)
            everything[0].append(s[keep].astype(np.float64))
            everything[1].append(y[keep])
        s, y = np.concatenate(everything[0]), np.concatenate(everything[1])
        ref = dict(AP=average_precision_score(y, s), AUROC=roc_auc_score(y, s),
                   FPR95=sorted_fpr95(s, y))
        got = curve_metrics(counts)
        dtype = str(read_score_file(paths[0]).dtype)
        print(f'{osp.basename(osp.normpath(folder)):>30s} {dtype:>8s} {counts.dropped_bits:4d}  '
              + '  '.join(
                  f'{got[m]:10.6f} {abs(got[m] - ref[m]):8.1e}' for m in ('AP', 'AUROC', 'FPR95')))


if __name__ == '__main__':
    main()
