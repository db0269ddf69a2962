"""Wall time and peak memory of the anomaly metrics, beside holding every pixel.

    python tools/benchmark/metric_speed.py [--frames 100] [--height 1024] [--width 2048]

Frames are synthetic (seeded): 0/1/255 labels with a void band and anomaly blobs, float16 scores
(the SMIYC submission format) correlated with them. Each method runs in its own child process of
this one; its peak memory is the child's maximum resident set size, reported beside the size it
had after imports (so the difference is what the method itself holds).

- streaming-exact: ``ScoreCounts`` (exact AP / AUROC / FPR95, counts per distinct score)
- smiyc-bins: the SegmentMeIfYouCan procedure, 768 percentile bins per frame, merged
- all-metrics: ``AnomalyMetric(components='AnomalyTrack')``: exact + SMIYC + component metrics
- sort-everything: all pixels held, one argsort, the same three pixel metrics
"""
import argparse
import json
import resource
import subprocess
import sys
import time

import cv2
import numpy as np

METHODS = ('streaming-exact', 'smiyc-bins', 'all-metrics', 'sort-everything')


def make_frame(index, height, width):
    rng = np.random.default_rng([7, index])
    labels = np.zeros((height, width), np.uint8)
    labels[:height // 5] = 255
    for _ in range(3):
        cy, cx = rng.integers(height // 3, height), rng.integers(0, width)
        ry, rx = rng.integers(10, height // 8), rng.integers(10, width // 12)
        cv2.ellipse(labels, (int(cx), int(cy)), (int(rx), int(ry)), 0, 0, 360, 1, -1)
    noise = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 3)
    noise /= noise.std()
    scores = np.clip(0.35 + 0.3 * (labels == 1) + 0.15 * noise, 0, 1).astype(np.float16)
    return scores, labels


def run(method, frames, height, width):
    from anomseg.evaluation.functional import (ScoreCounts, curve_metrics, frame_bins,
                                               merge_frame_bins, smiyc_curve_metrics)
    from anomseg.evaluation.metrics import AnomalyMetric
    make_frame(0, 128, 256)  # warm up: what the first call allocates for good is not the method's
    if method == 'streaming-exact':
        counts = ScoreCounts()
        for i in range(frames):
            counts.update(*make_frame(i, height, width))
        return curve_metrics(counts)
    if method == 'smiyc-bins':
        bins = [frame_bins(*make_frame(i, height, width)) for i in range(frames)]
        return smiyc_curve_metrics(*merge_frame_bins(bins))
    if method == 'all-metrics':
        metric = AnomalyMetric(components='AnomalyTrack')
        for i in range(frames):
            scores, labels = make_frame(i, height, width)
            metric.add(str(i), labels, {'s': scores})
        return metric.evaluate()
    scores, labels = [], []
    for i in range(frames):
        s, y = make_frame(i, height, width)
        keep = y < 255
        scores.append(s[keep])
        labels.append(y[keep])
    s = np.concatenate(scores).astype(np.float64)
    y = np.concatenate(labels) == 1
    del scores, labels
    order = np.argsort(-s, kind='stable')
    s, y = s[order], y[order]
    last = np.r_[np.nonzero(s[1:] != s[:-1])[0], s.size - 1]  # end of each tie run
    tp = np.cumsum(y)[last].astype(np.float64)
    fp = (last + 1) - tp
    tpr, fpr = tp / tp[-1], fp / fp[-1]
    ap = float(np.sum(np.diff(np.r_[0, tpr]) * tp / (tp + fp)))
    auroc = float(np.trapezoid(np.r_[0, tpr], np.r_[0, fpr]))
    return dict(AP=ap, AUROC=auroc, FPR95=float(fpr[np.argmax(tpr >= 0.95)]))


def child(method, frames, height, width):
    import anomseg.evaluation  # noqa: F401  (imports are not the method's memory)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = run(method, frames, height, width)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    keys = [k for k in result if k.endswith(('AP', 'FPR95', 'mean_F1'))]
    print(json.dumps(dict(method=method, seconds=seconds, peak_mib=peak / 1024,
                          base_mib=base / 1024, **{k: float(result[k]) for k in keys})))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=100)
    parser.add_argument('--height', type=int, default=1024)
    parser.add_argument('--width', type=int, default=2048)
    parser.add_argument('--method', choices=METHODS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.method:
        return child(args.method, args.frames, args.height, args.width)
    pixels = args.frames * args.height * args.width
    print(f'{args.frames} frames of {args.width}x{args.height} ({pixels / 1e6:.0f} M pixels); '
          f'holding them as float16 scores + uint8 labels takes {3 * pixels / 2**20:.0f} MiB')
    rows = []
    for method in METHODS:
        out = subprocess.run([sys.executable, __file__, '--method', method,
                              '--frames', str(args.frames), '--height', str(args.height),
                              '--width', str(args.width)], capture_output=True, text=True)
        if out.returncode:
            sys.exit(out.stderr)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f'{"method":>16s} {"seconds":>8s} {"peak MiB":>9s} {"held MiB":>9s}  metrics')
    for r in rows:
        metrics = ', '.join(f'{k} {v:.5f}' for k, v in r.items()
                            if k not in ('method', 'seconds', 'peak_mib', 'base_mib'))
        print(f'{r["method"]:>16s} {r["seconds"]:8.1f} {r["peak_mib"]:9.0f} '
              f'{r["peak_mib"] - r["base_mib"]:9.0f}  {metrics}')


if __name__ == '__main__':
    main()
