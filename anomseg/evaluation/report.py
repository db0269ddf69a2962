"""The evaluation report of a run on an anomaly set: ``report.html`` (one self-contained page),
``report.json`` (everything the page and ``tools/analysis/compare_runs.py`` read) and
``report_files/`` (curves, histograms, frame panels) in the report folder.

Frames are ranked by the first scorer's per-frame AP; the panels show that scorer's heatmap on
one colour range for all frames (the config's, when it was set for that scorer, else the 1st to
99th percentile of all its scores) and its components at one threshold, that of its best pixel
F1 over all frames (exact; SMIYC's component metrics use the threshold of its binned curve,
reported as best_F1_threshold).
"""
import datetime
import os.path as osp

import cv2
import numpy as np

from anomseg.evaluation.functional import curves, score_histograms
from anomseg.utils.io import write_bytes_atomic, write_json_atomic
from anomseg.version import __version__
from anomseg.visualization.panels import frame_panel
from anomseg.visualization.plots import plot_curves_overlay, plot_histogram_grid, thin_curve
from anomseg.visualization.report_page import render_report

REPORT_FORMAT = 1


def best_f1_threshold(curve):
    """The score of the best pixel F1 on an exact curve (``functional.curves``); NaN without
    anomaly pixels."""
    if not curve['n_pos']:
        return float('nan')
    p, r = curve['precision'], curve['recall']
    with np.errstate(divide='ignore', invalid='ignore'):
        f1 = np.nan_to_num(2 * p * r / (p + r))
    return float(curve['threshold'][int(np.argmax(f1))])


def count_quantiles(counts, qs):
    """Quantiles of all pixels counted in a ScoreCounts (lowest score whose cumulative share
    reaches q)."""
    values, pos, neg = counts.table()
    if not values.size:
        return [0.0 for _ in qs]
    share = np.cumsum(pos + neg) / max(int(pos.sum() + neg.sum()), 1)
    return [float(values[min(int(np.searchsorted(share, q)), values.size - 1)]) for q in qs]


def choose_gallery(frames, scorer, size):
    """(worst, best) stems by ``scorer``'s per-frame AP among frames with anomaly pixels."""
    ranked = sorted((f for f in frames if f['report'][scorer]['anomaly_pixels']),
                    key=lambda f: (f['report'][scorer]['AP'], f['stem']))
    worst = [f['stem'] for f in ranked[:size]]
    best = [f['stem'] for f in ranked[::-1][:size] if f['stem'] not in worst]
    return worst, best


def write_run_report(report_dir, identity, metrics, counts, frames, score_range=None, max_panels=150, gallery_size=6, name='report'):
    """Write the report of one run.

    ``identity``: what the run was (config, checkpoint, dataset, ...); ``metrics``: {scorer:
    {metric: value}}; ``counts``: {scorer: ScoreCounts}; ``frames``: AnomalyMetric's frames
    (``stem``, ``img_path``, per-scorer ``report`` rows, spilled ``labels`` and maps);
    ``score_range``: (vmin, vmax, scorer) the config set for its scorer. Panels are drawn for
    every frame up to ``max_panels`` frames, else for the gallery's only. Files are named after
    ``name``: NAME.html, NAME.json, NAME_files/. Returns the path of the page."""
    files_dir = f'{name}_files'
    scorers = list(metrics)
    first = scorers[0]
    exact = {s: curves(counts[s]) for s in scorers}
    threshold, source = best_f1_threshold(exact[first]), 'its best pixel F1 over all frames'
    if score_range is not None and score_range[2] == first:
        vmin, vmax, range_source = score_range[0], score_range[1], 'the config\'s range'
    else:
        vmin, vmax = count_quantiles(counts[first], (0.01, 0.99))
        range_source = '1st to 99th percentile of all its scores'
    if np.isnan(threshold):
        threshold, source = vmax, 'no anomaly pixel: the top of the colour range'
    worst, best = choose_gallery(frames, first, gallery_size)
    drawn = {f['stem'] for f in frames} if len(frames) <= max_panels else set(worst + best)

    figures = {k: f'{files_dir}/{k}.png' for k in ('pr', 'roc', 'hist')}
    thin = {s: thin_curve(exact[s]) for s in scorers}
    plot_curves_overlay(thin, metrics, osp.join(report_dir, figures['pr']),
                        osp.join(report_dir, figures['roc']))
    plot_histogram_grid({s: score_histograms(counts[s]) for s in scorers},
                        osp.join(report_dir, figures['hist']))
    rows = []
    for f in frames:
        row = dict(stem=f['stem'], img_path=f.get('img_path'),
                   anomaly_pixels=int(f['report'][first]['anomaly_pixels']),
                   inlier_pixels=int(f['report'][first]['inlier_pixels']),
                   scorers={s: {k: _plain(v) for k, v in f['report'][s].items()
                                if k not in ('anomaly_pixels', 'inlier_pixels')}
                            for s in scorers},
                   panel=None)
        if f['stem'] in drawn and first in f:
            panel = f'{files_dir}/frames/{f["stem"]}.jpg'
            _write_panel(osp.join(report_dir, panel), f, first, vmin, vmax, threshold)
            row['panel'] = panel
        rows.append(row)
    report = dict(format=REPORT_FORMAT, identity=dict(
        identity, frames=len(frames), scorers=', '.join(scorers),
        date=identity.get('date') or datetime.datetime.now().isoformat(timespec='seconds'),
        anomseg_version=__version__),
        metrics={s: {k: _plain(v) for k, v in metrics[s].items()} for s in scorers},
        curves=thin, frames=rows, figures=figures,
        gallery=dict(scorer=first, threshold=_plain(threshold), threshold_source=source,
                     score_range=[float(vmin), float(vmax)], score_range_source=range_source,
                     worst=worst, best=best))
    write_json_atomic(osp.join(report_dir, f'{name}.json'), report, sort_keys=False)
    path = osp.join(report_dir, f'{name}.html')
    write_bytes_atomic(path, render_report(report).encode())
    return path


def _plain(value):
    """JSON-safe: NaN as None."""
    value = float(value) if isinstance(value, (int, float, np.floating, np.integer)) else value
    return None if isinstance(value, float) and np.isnan(value) else value


def _write_panel(path, frame, scorer, vmin, vmax, threshold):
    labels = np.load(frame['labels'])
    scores = np.load(frame[scorer]).astype(np.float32)
    image = cv2.imread(frame['img_path'], cv2.IMREAD_COLOR) if frame.get('img_path') else None
    if image is None:
        image = np.full(labels.shape + (3,), 128, np.uint8)
    elif image.shape[:2] != labels.shape:  # evaluated at another size (--protocol published)
        image = cv2.resize(image, labels.shape[::-1], interpolation=cv2.INTER_AREA)
    panel, _ = frame_panel(image, labels, scores, vmin, vmax, threshold, scorer)
    ok, buf = cv2.imencode('.jpg', panel, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise RuntimeError(f'{path}: could not encode the panel')
    write_bytes_atomic(path, buf.tobytes())
