"""Wall time and peak memory of the anomaly metrics on score-map files, beside holding every pixel.

    python tools/benchmark/metric_speed.py [--frames 100] [--height 1024] [--width 2048] \
        [--dtype float32|float16]

The frames are synthetic (seeded) and written to a temporary folder first, as users have them:
FRAME.npy score maps (float32, as most methods write them, or float16, the SMIYC submission
format; continuous scores correlated with the labels), FRAME_labels.png (0 inlier, 1 anomaly,
255 void, with a void band) and FRAME_instances.png (uint16, anomaly instances 1000, 1001, ...).
Every method then reads the files itself (the reading is in its time) in a child process of
this one: its peak memory is the child's maximum resident set size, reported beside the size it
had after imports (``held``: what the method itself holds).

- read: reading the maps and labels, nothing else (the floor of every method);
- streaming-exact: ``ScoreCounts`` (AP / AUROC / FPR95; exact while distinct scores fit, see
  ``pixel_curves``);
- smiyc-bins: the SegmentMeIfYouCan procedure, 768 percentile bins per frame, merged;
- all-metrics: ``AnomalyMetric(components='AnomalyTrack')`` with the instance labels: exact +
  SMIYC + component + OoDIS instance metrics, what ``tools/eval_scores.py`` computes;
- sort-everything: all pixels held in float64, one argsort, the same three pixel metrics (what
  the Fishyscapes evaluator does); the reference the others' metrics are compared with.
"""
import argparse
import json
import os.path as osp
import resource
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

METHODS = ('read', 'streaming-exact', 'smiyc-bins', 'all-metrics', 'sort-everything')


def make_frame(index, height, width, dtype):
    """(scores, labels, instances) of frame ``index``."""
    rng = np.random.default_rng([7, index])
    labels = np.zeros((height, width), np.uint8)
    labels[:height // 5] = 255
    instances = np.zeros((height, width), np.uint16)
    for k in range(3):
        cy, cx = rng.integers(height // 3, height), rng.integers(0, width)
        ry, rx = rng.integers(10, height // 8), rng.integers(10, width // 12)
        blob = np.zeros((height, width), np.uint8)
        cv2.ellipse(blob, (int(cx), int(cy)), (int(rx), int(ry)), 0, 0, 360, 1, -1)
        labels[(blob == 1) & (labels != 255)] = 1
        instances[(blob == 1) & (labels == 1)] = 1000 + k
    noise = cv2.GaussianBlur(rng.standard_normal((height, width)).astype(np.float32), (0, 0), 3)
    noise /= noise.std()
    logit = -1.2 + 2.0 * (labels == 1) + 1.1 * noise
    return (1 / (1 + np.exp(-logit))).astype(dtype), labels, instances


def write_frames(folder, frames, height, width, dtype):
    for i in range(frames):
        scores, labels, instances = make_frame(i, height, width, dtype)
        np.save(osp.join(folder, f'{i:04d}.npy'), scores)
        cv2.imwrite(osp.join(folder, f'{i:04d}_labels.png'), labels)
        cv2.imwrite(osp.join(folder, f'{i:04d}_instances.png'), instances)


def read_frames(folder, frames, instances=False):
    for i in range(frames):
        scores = np.load(osp.join(folder, f'{i:04d}.npy'))
        labels = cv2.imread(osp.join(folder, f'{i:04d}_labels.png'), cv2.IMREAD_UNCHANGED)
        if instances:
            yield str(i), scores, labels, cv2.imread(
                osp.join(folder, f'{i:04d}_instances.png'), cv2.IMREAD_UNCHANGED)
        else:
            yield str(i), scores, labels


def run(method, folder, frames):
    from anomseg.evaluation.functional import (ScoreCounts, curve_metrics, frame_bins,
                                               merge_frame_bins, smiyc_curve_metrics)
    from anomseg.evaluation.metrics import AnomalyMetric
    if method == 'read':
        pixels = sum(int((y != 255).sum()) for _, _, y in read_frames(folder, frames))
        return dict(pixels=pixels)
    if method == 'streaming-exact':
        counts = ScoreCounts()
        for _, scores, labels in read_frames(folder, frames):
            counts.update(scores, labels)
        return dict(curve_metrics(counts), dropped_bits=counts.dropped_bits)
    if method == 'smiyc-bins':
        bins = [frame_bins(s, y) for _, s, y in read_frames(folder, frames)]
        return smiyc_curve_metrics(*merge_frame_bins(bins))
    if method == 'all-metrics':
        metric = AnomalyMetric(components='AnomalyTrack')
        for stem, scores, labels, instances in read_frames(folder, frames, instances=True):
            metric.add(stem, labels, {'s': scores}, instances)
        return {k.split('/')[1]: v for k, v in metric.evaluate().items()}
    scores, labels = [], []
    for _, s, y in read_frames(folder, frames):
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


def child(method, folder, frames):
    import anomseg.evaluation  # noqa: F401  (imports are not the method's memory)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = run(method, folder, frames)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(dict(method=method, seconds=seconds, peak_mib=peak / 1024,
                          base_mib=base / 1024,
                          metrics={k: float(v) for k, v in result.items()})))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=100)
    parser.add_argument('--height', type=int, default=1024)
    parser.add_argument('--width', type=int, default=2048)
    parser.add_argument('--dtype', choices=('float32', 'float16'), default='float32',
                        help='dtype of the score maps written (default float32)')
    parser.add_argument('--method', choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument('--folder', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.method:
        return child(args.method, args.folder, args.frames)
    pixels = args.frames * args.height * args.width
    frame_mib = pixels / args.frames * (np.dtype(args.dtype).itemsize + 3) / 2**20
    with tempfile.TemporaryDirectory(prefix='anomseg-metric-speed-') as folder:
        start = time.perf_counter()
        write_frames(folder, args.frames, args.height, args.width, args.dtype)
        print(f'{args.frames} frames of {args.width}x{args.height} ({pixels / 1e6:.0f} M pixels), '
              f'{args.dtype} maps + uint8 labels + uint16 instances written in '
              f'{time.perf_counter() - start:.0f} s; one loaded frame is {frame_mib:.0f} MiB, '
              f'all of them {frame_mib * args.frames:.0f} MiB')
        rows = {}
        for method in METHODS:
            out = subprocess.run([sys.executable, __file__, '--method', method, '--folder', folder,
                                  '--frames', str(args.frames)], capture_output=True, text=True)
            if out.returncode:
                sys.exit(out.stderr)
            rows[method] = json.loads(out.stdout.strip().splitlines()[-1])
    ref = rows['sort-everything']
    print(f'{"method":>16s} {"seconds":>8s} {"peak MiB":>9s} {"held MiB":>9s}  '
          f'{"x sort-all":>10s}  metrics (|error| against sort-everything)')
    for method, r in rows.items():
        metrics = r['metrics']
        shown = []
        for k, v in metrics.items():
            if k in ('AP', 'AUROC', 'FPR95') and method != 'sort-everything':
                shown.append(f'{k} {v:.6f} ({abs(v - ref["metrics"][k]):.1e})')
            elif k in ('AP', 'AUROC', 'FPR95', 'AP_smiyc', 'FPR95_smiyc', 'mean_F1',
                       'AP_inst', 'dropped_bits'):
                shown.append(f'{k} {v:.6g}')
        print(f'{method:>16s} {r["seconds"]:8.1f} {r["peak_mib"]:9.0f} '
              f'{r["peak_mib"] - r["base_mib"]:9.0f}  {r["seconds"] / ref["seconds"]:10.2f}  '
              + ', '.join(shown))
    seconds = {method: r['seconds'] for method, r in rows.items()}
    print(f'ratios: all-metrics / sort-everything '
          f'{seconds["all-metrics"] / seconds["sort-everything"]:.2f}, smiyc-bins / '
          f'streaming-exact {seconds["smiyc-bins"] / seconds["streaming-exact"]:.2f}, '
          f'all-metrics / read {seconds["all-metrics"] / seconds["read"]:.2f}')


if __name__ == '__main__':
    main()
