"""Wall time and peak memory of the anomaly metrics on score-map files: the methods alone, beside
holding every pixel, and the command users run.

    python tools/benchmark/metric_speed.py [--frames 100] [--height 1024] [--width 2048] \
        [--dtype float32|float16] [--smiyc-code DIR] [--command-runs 3] [--docs docs/performance.md]

The frames are synthetic (seeded) and written to a temporary folder first, as users have them,
in the SMIYC layout: images/NAME.jpg, labels_masks/NAME_labels_semantic.png (0 inlier,
1 anomaly, 255 void, with a void band), labels_masks/NAME_instanceIds.png (anomaly instances
1000, 1001, ...) and scores/NAME.npy maps (float32, as most methods write them, or float16,
the SMIYC submission format; continuous scores correlated with the labels). Every method then
reads the files itself (the reading is in its time) in a child process of this one: its peak
memory is the child's maximum resident set size, reported beside the size it had after imports
(``held``: what the method itself holds).

- read: reading the maps and labels, nothing else (the floor of every method);
- streaming-exact: ``ScoreCounts`` (AP / AUROC / FPR95; exact while distinct scores fit, see
  ``pixel_curves``);
- smiyc-bins: the SegmentMeIfYouCan procedure, 768 percentile bins per frame, merged;
- all-metrics: ``AnomalyMetric(components='AnomalyTrack')`` with the instance labels: exact +
  SMIYC + component + OoDIS instance metrics, what ``tools/eval_scores.py`` computes;
- sort-everything: all pixels held in float64, one argsort, the same three pixel metrics (what
  the Fishyscapes evaluator does); the reference the others' metrics are compared with.

Then the command, whole (imports, label checks, the report's thumbnails and page), timed as a
process: ``tools/eval_scores.py --dataset AnomalyTrack`` with its report (the default) and with
``--no-report``, alternating, ``--command-runs`` times each (the median time, this machine's
runs spreading by about a tenth), with peak memory and the peak size of its temporary folder;
and, with
``--smiyc-code DIR`` (a checkout of github.com/adynathos/road-anomaly-benchmark) and
``--smiyc-python PY`` (an interpreter with its dependencies: it needs numpy < 1.24 and
matplotlib < 3.9), the SMIYC evaluator's own metric code on the same files: its
``PixBinaryClass`` pass, then its ``SegEval-AnomalyTrack`` pass at the best-F1 threshold of that
curve, one process reading every frame for each pass as its single-process evaluation loop does.
``--docs FILE`` writes the tables into FILE's ``metric_speed-DTYPE`` section.
"""
import argparse
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

from process_usage import run_measured, write_docs_section

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


def frame_name(index):
    return f'validation{index:04d}'


def write_frames(folder, frames, height, width, dtype, first=0):
    """Synthetic frames ``first`` .. ``frames - 1`` in the SMIYC layout under ``folder`` (see
    the module)."""
    for sub in ('images', 'labels_masks', 'scores'):
        os.makedirs(osp.join(folder, sub), exist_ok=True)
    for i in range(first, frames):
        scores, labels, instances = make_frame(i, height, width, dtype)
        name = frame_name(i)
        np.save(osp.join(folder, 'scores', f'{name}.npy'), scores)
        cv2.imwrite(osp.join(folder, 'labels_masks', f'{name}_labels_semantic.png'), labels)
        cv2.imwrite(osp.join(folder, 'labels_masks', f'{name}_instanceIds.png'), instances)
        image = cv2.cvtColor((scores.astype(np.float32) * 255).astype(np.uint8),
                             cv2.COLOR_GRAY2BGR)
        cv2.imwrite(osp.join(folder, 'images', f'{name}.jpg'), image,
                    [cv2.IMWRITE_JPEG_QUALITY, 90])


def read_frames(folder, frames, instances=False):
    for i in range(frames):
        name = frame_name(i)
        scores = np.load(osp.join(folder, 'scores', f'{name}.npy'))
        labels = cv2.imread(osp.join(folder, 'labels_masks', f'{name}_labels_semantic.png'),
                            cv2.IMREAD_UNCHANGED)
        if instances:
            yield name, scores, labels, cv2.imread(
                osp.join(folder, 'labels_masks', f'{name}_instanceIds.png'),
                cv2.IMREAD_UNCHANGED)
        else:
            yield name, scores, labels


def run_official(folder, frames, code):
    """The SMIYC evaluator's metric code on the frames (see the module); its metric values."""
    sys.path.insert(0, code)
    from road_anomaly_benchmark.metrics import MetricRegistry  # as its evaluation loop gets them
    pixel = MetricRegistry.get('PixBinaryClass')
    results = [pixel.process_frame(label_pixel_gt=labels, anomaly_p=scores, visualize=False)
               for _, scores, labels in read_frames(folder, frames)]
    curve = pixel.aggregate(results, method_name='bench', dataset_name='AnomalyTrack')
    segment = MetricRegistry.get('SegEval-AnomalyTrack')
    segment.cfg.thresh_p = float(curve.best_f1_threshold)  # as its get_thresh_p_from_curve
    segment.cfg.default_instancer = True
    parts = [segment.process_frame(label_pixel_gt=labels, anomaly_p=scores, visualize=False)
             for _, scores, labels in read_frames(folder, frames)]
    seg = segment.aggregate(parts, method_name='bench', dataset_name='AnomalyTrack')
    return dict(AP_smiyc=curve.area_PRC, FPR95_smiyc=curve.tpr95_fpr, mean_F1=seg.f1_mean,
                sIoU_gt=seg.sIoU_gt, PPV=seg.sIoU_pred)


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


def child(method, folder, frames, code=None):
    if method != 'official':
        import anomseg.evaluation  # noqa: F401  (imports are not the method's memory)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = run_official(folder, frames, code) if method == 'official' else \
        run(method, folder, frames)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(dict(method=method, seconds=seconds, peak_mib=peak / 1024,
                          base_mib=base / 1024,
                          metrics={k: float(v) for k, v in result.items()})))


def eval_scores_command(folder, out, report=True):
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    return [sys.executable, osp.join(root, 'tools', 'eval_scores.py'), '--dataset',
            'AnomalyTrack', '--data-root', folder, '--scores', osp.join(folder, 'scores'),
            '--out', out] + ([] if report else ['--no-report'])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, default=100)
    parser.add_argument('--height', type=int, default=1024)
    parser.add_argument('--width', type=int, default=2048)
    parser.add_argument('--dtype', choices=('float32', 'float16'), default='float32',
                        help='dtype of the score maps written (default float32)')
    parser.add_argument('--smiyc-code', metavar='DIR',
                        help='a checkout of road-anomaly-benchmark: time its metric code too')
    parser.add_argument('--smiyc-python', metavar='PYTHON', default=sys.executable,
                        help='the interpreter to run it with: an environment of its era (it '
                        'needs numpy < 1.24 and matplotlib < 3.9); default this one')
    parser.add_argument('--docs', metavar='FILE', help='write the tables into FILE\'s '
                        'metric_speed-DTYPE section')
    parser.add_argument('--method', help=argparse.SUPPRESS)
    parser.add_argument('--command-runs', type=int, default=3,
                        help='runs of each command, alternating (the median is reported)')
    parser.add_argument('--folder', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.method:
        return child(args.method, args.folder, args.frames, args.smiyc_code)
    pixels = args.frames * args.height * args.width
    frame_mib = pixels / args.frames * (np.dtype(args.dtype).itemsize + 3) / 2**20
    lines = []

    def say(text=''):
        print(text)
        lines.append(text)

    with tempfile.TemporaryDirectory(prefix='anomseg-metric-speed-') as folder:
        start = time.perf_counter()
        write_frames(folder, args.frames, args.height, args.width, args.dtype)
        print(f'{args.frames} frames of {args.width}x{args.height} ({pixels / 1e6:.0f} M pixels), '
              f'{args.dtype} maps + uint8 labels + uint16 instances + JPEG images written in '
              f'{time.perf_counter() - start:.0f} s; one loaded frame is {frame_mib:.0f} MiB, '
              f'all of them {frame_mib * args.frames:.0f} MiB')
        rows = {}
        for method in METHODS + (('official',) if args.smiyc_code else ()):
            cmd = [args.smiyc_python if method == 'official' else sys.executable, __file__,
                   '--method', method, '--folder', folder, '--frames', str(args.frames)]
            if method == 'official':
                cmd += ['--smiyc-code', args.smiyc_code]
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode:
                sys.exit(out.stderr)
            rows[method] = json.loads(out.stdout.strip().splitlines()[-1])
        commands = {}
        with tempfile.TemporaryDirectory(prefix='anomseg-metric-speed-out-') as out:
            for _ in range(args.command_runs):  # alternating, so both see the same machine
                for name, report in (('eval_scores.py (report on, the default)', True),
                                     ('eval_scores.py --no-report', False)):
                    commands.setdefault(name, []).append(run_measured(
                        eval_scores_command(folder, osp.join(out, f'r{int(report)}.json'),
                                            report), osp.join(out, 'log.txt')))
            with open(osp.join(out, 'r1.json')) as fh:
                cli_metrics = json.load(fh)
    ref = rows['sort-everything']
    say(f'{args.frames} frames of {args.width}x{args.height}, {args.dtype} maps')
    say()
    say('| method | seconds | peak MiB | held MiB | x sort-everything | metrics (abs. error '
        'against sort-everything) |')
    say('|---|---|---|---|---|---|')
    for method, r in rows.items():
        metrics = r['metrics']
        shown = []
        for k, v in metrics.items():
            if k in ('AP', 'AUROC', 'FPR95') and method != 'sort-everything':
                shown.append(f'{k} {v:.6f} ({abs(v - ref["metrics"][k]):.1e})')
            elif k in ('AP', 'AUROC', 'FPR95', 'AP_smiyc', 'FPR95_smiyc', 'mean_F1',
                       'AP_inst', 'dropped_bits'):
                shown.append(f'{k} {v:.6g}')
        say(f'| {method} | {r["seconds"]:.1f} | {r["peak_mib"]:.0f} | '
            f'{r["peak_mib"] - r["base_mib"]:.0f} | {r["seconds"] / ref["seconds"]:.2f} | '
            + ', '.join(shown) + ' |')
    seconds = {method: r['seconds'] for method, r in rows.items()}
    say()
    say(f'Ratios: all-metrics / sort-everything '
        f'{seconds["all-metrics"] / seconds["sort-everything"]:.2f}, smiyc-bins / '
        f'streaming-exact {seconds["smiyc-bins"] / seconds["streaming-exact"]:.2f}, '
        f'all-metrics / read {seconds["all-metrics"] / seconds["read"]:.2f}.')
    say()
    say('| command, as a process | seconds | peak MiB | peak temporary MiB |')
    say('|---|---|---|---|')
    median = {name: statistics.median(r['seconds'] for r in runs)
              for name, runs in commands.items()}
    for name, runs in commands.items():
        say(f'| `{name}` | {median[name]:.1f} | {max(r["peak_mib"] for r in runs):.0f} | '
            f'{max(r["tmp_mib"] for r in runs):.0f} |')
    if 'official' in rows:
        r = rows['official']
        say(f'| SMIYC evaluator code (PixBinaryClass + SegEval, one process) | '
            f'{r["seconds"]:.1f} | {r["peak_mib"]:.0f} | - |')
    on, off = median.values()
    say()
    say(f'Seconds are the median of {args.command_runs} runs of each command, alternating '
        '(' + '; '.join(f'{name.split(" (")[0]}: ' + ', '.join(
            f'{r["seconds"]:.1f}' for r in runs) for name, runs in commands.items()) + '); '
        'peaks the largest.')
    say()
    say(f'Report on / report off: {on / off:.2f}.' + (
        f' SMIYC evaluator code / eval_scores.py with its report: '
        f'{rows["official"]["seconds"] / on:.2f}; its AP_smiyc '
        f'{rows["official"]["metrics"]["AP_smiyc"]:.6f} and mean_F1 '
        f'{rows["official"]["metrics"]["mean_F1"]:.6f} against ours '
        f'{cli_metrics["AP_smiyc"]:.6f} and {cli_metrics["mean_F1"]:.6f}.'
        if 'official' in rows else ''))
    if args.docs:
        write_docs_section(args.docs, f'metric_speed-{args.dtype}', '\n'.join(lines))


if __name__ == '__main__':
    main()
