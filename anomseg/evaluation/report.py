"""The evaluation report of a run on an anomaly set: ``report.html`` (one self-contained page),
``report.json`` (everything the page and ``tools/analysis/compare_runs.py`` read) and
``report_files/`` (curves, histograms, frame panels) in the report folder.

Frames are ranked by the first scorer's per-frame AP; the panels show that scorer's heatmap on
one colour range for all frames (the config's, when it was set for that scorer, else the 1st to
99th percentile of all its scores) and its components at one threshold, that of its best pixel
F1 over all frames (exact; SMIYC's component metrics use the threshold of its binned curve,
reported as best_F1_threshold).

What the panels need is kept as the frames stream past (``ReportFrames``), never the frames
themselves: each frame's labels and map at the panel's size while the run has at most
``max_panels`` frames, and at full size only the current worst and best ``gallery_size`` frames
by per-frame AP (their components are counted at full resolution); images are read, at the
panel's size, when the panels are drawn. Memory is bounded whatever the number of frames, and
nothing is written to disk before the report.
"""
import datetime
import functools
import heapq
import os.path as osp
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from anomseg.evaluation.functional import best_f1
from anomseg.utils.io import write_bytes_atomic, write_json_atomic
from anomseg.version import __version__
from anomseg.visualization.panels import frame_panel, nearest
from anomseg.visualization.plots import plot_curves_overlay, plot_histogram_grid
from anomseg.visualization.report_page import render_report

REPORT_FORMAT = 1
MAX_CURVE_POINTS = 2000  # drawn and stored per curve (the drawing, not the metrics)


def curve_summary(counts, quantiles=(0.01, 0.99), points=MAX_CURVE_POINTS, bins=100):
    """What the report draws from a ScoreCounts, in two walks over ``counts.descending()``
    (bounded memory; the first only counts the rows and finds the scores' range):

    - ``quantiles``: for each q, the lowest score whose cumulative share of all pixels, from
      the lowest score up, reaches q (a score's share is 1 - (pixels above it) / all);
    - ``curve``: the PR / ROC points of the exact curve (``curve_pieces``), at most ``points``
      evenly spaced ones, as lists, with the anomaly pixels' share ``positive_rate``;
    - ``histogram``: (bin edges, inlier counts, anomaly counts) in ``bins`` equal bins over the
      scores' range, each bin [e_i, e_i+1) and the last one closed, as ``np.histogram``."""
    rows, lo, hi = 0, None, None
    for values, _, _ in counts.descending():
        rows, hi, lo = rows + values.size, values[0] if hi is None else hi, values[-1]
    n_pos, n_neg = counts.totals()
    total = max(n_pos + n_neg, 1)
    keep = (np.arange(rows) if rows <= points else
            np.unique(np.linspace(0, rows - 1, points).astype(int)))
    lo, hi = (0.0, 1.0) if lo is None else (float(lo), float(hi))
    edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
    histogram = np.zeros((2, bins), np.int64)  # inlier, anomaly
    curve = dict(recall=[], precision=[], fpr=[])
    found = [None] * len(quantiles)
    start = tp_before = fp_before = 0
    for values, pos, neg in counts.descending():
        tp, fp = np.cumsum(pos) + tp_before, np.cumsum(neg) + fp_before
        share = (total - (tp + fp - pos - neg)) / total  # pixels above each score excluded
        for k, q in enumerate(quantiles):
            reached = np.flatnonzero(share >= q)
            if reached.size:
                found[k] = float(values[reached[-1]])
        here = keep[np.searchsorted(keep, start):np.searchsorted(keep, start + values.size)]
        here = here - start
        with np.errstate(divide='ignore', invalid='ignore'):
            curve['precision'] += (tp[here] / (tp[here] + fp[here])).tolist()
            curve['recall'] += (tp[here] / n_pos if n_pos else np.full(here.size, np.nan)).tolist()
            curve['fpr'] += (fp[here] / n_neg if n_neg else np.full(here.size, np.nan)).tolist()
        # ascending scores: bin i holds the scores from the first one >= e_i on
        cuts = np.searchsorted(values[::-1], edges[1:-1], 'left')
        bounds = np.concatenate([[0], cuts, [values.size]])
        for row, part in enumerate((neg, pos)):
            cumulative = np.concatenate([[0], np.cumsum(part[::-1])])
            histogram[row] += cumulative[bounds[1:]] - cumulative[bounds[:-1]]
        start += values.size
        tp_before, fp_before = int(tp[-1]), int(fp[-1])
    return dict(quantiles=[0.0 if v is None else v for v in found],
                curve=dict(curve, positive_rate=n_pos / total),
                histogram=(edges, histogram[0], histogram[1]))


def thumbnail_size(shape, width):
    """(W, H) of a thumbnail ``width`` wide of a frame of ``shape`` (H, W)."""
    return width, max(1, round(shape[0] * width / shape[1]))


def read_thumbnail(path, shape, width):
    """The image at ``path`` scaled to ``width`` pixels wide at the aspect of ``shape`` (the
    labels' (H, W): an image evaluated at another size is scaled to the labels' frame), BGR
    uint8; JPEG is decoded at a reduced scale where that is still wide enough. Grey where
    there is no image or it cannot be read."""
    size = thumbnail_size(shape, width)
    image = None
    if path:
        flag = cv2.IMREAD_COLOR
        for factor, reduced in ((8, cv2.IMREAD_REDUCED_COLOR_8), (4, cv2.IMREAD_REDUCED_COLOR_4),
                                (2, cv2.IMREAD_REDUCED_COLOR_2)):
            if shape[1] >= factor * width:
                flag = reduced
                break
        image = cv2.imread(path, flag)
    if image is None:
        return np.full(size[::-1] + (3,), 128, np.uint8)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


class ReportFrames:
    """What the report's panels need of the frames of ``scorer``, kept as they are added
    (see the module): ``add`` each frame with its report row (``frame_summary``); ``merge``
    another process's; ``gallery()`` and ``panels()`` at the end. Images are read (at the
    panel's size) when their panels are drawn, not while the frames are measured, whose sorting
    and counting slow down by about a tenth beside a thread decoding JPEGs on two cores; a
    process hands its frames on (``merge``) with the images read."""

    def __init__(self, scorer, max_panels=150, gallery_size=6, tile_width=420):
        self.scorer, self.max_panels = scorer, max_panels
        self.gallery_size, self.tile_width = gallery_size, tile_width
        self.count = 0
        self.small = {}  # stem: (image, labels, scores) at the panel's size
        self.full = {}  # stem: (image at the panel's size, labels, scores)
        self.worst, self.best = [], []  # heaps of (_Key, stem)

    def add(self, stem, img_path, labels, scores, row):
        self.count += 1
        keep_small = self.count <= self.max_panels
        if not keep_small:
            self.small.clear()  # the report draws the gallery only
        candidate = bool(row['anomaly_pixels']) and self._push((row['AP'], stem))
        if not (keep_small or candidate):
            return
        image = functools.partial(read_thumbnail, img_path, labels.shape, self.tile_width)
        if keep_small:
            shape = thumbnail_size(labels.shape, self.tile_width)[::-1]
            self.small[stem] = (image, nearest(labels, shape), nearest(scores, shape))
        if candidate:
            self.full[stem] = (image, np.array(labels, copy=True), np.array(scores, copy=True))
            self._evict()

    def _push(self, key):
        """Put a frame's (AP, stem) among the worst and best kept; whether it got into one."""
        entered = False
        for heap, sign in ((self.worst, -1), (self.best, 1)):
            item = (_Key(key, sign), key[1])
            if len(heap) < self.gallery_size:
                heapq.heappush(heap, item)
                entered = True
            elif heap[0][0] < item[0]:
                heapq.heapreplace(heap, item)
                entered = True
        return entered

    def _evict(self):
        kept = {stem for heap in (self.worst, self.best) for _, stem in heap}
        for stem in [s for s in self.full if s not in kept]:
            del self.full[stem]

    def resolve(self):
        """Read the images not read yet; after this the object holds arrays only."""
        for kept in (self.small, self.full):
            for stem, (image, *arrays) in kept.items():
                if callable(image):
                    kept[stem] = (image(), *arrays)
        return self

    def __getstate__(self):  # gathered from other processes: what they read, as arrays
        self.resolve()
        return self.__dict__

    def merge(self, other):
        """Add the frames another process kept (frames are counted where they were added)."""
        other.resolve()
        self.count += other.count
        self.small.update(other.small)
        if self.count > self.max_panels:
            self.small.clear()
        for key in {key.key for heap in (other.worst, other.best) for key, _ in heap}:
            if self._push(key):
                self.full[key[1]] = other.full[key[1]]
        self._evict()
        return self

    def gallery(self):
        """(worst, best) stems: the lowest and highest (AP, stem) among all frames with anomaly
        pixels, the best without those already among the worst."""
        worst = [stem for _, stem in sorted(self.worst, reverse=True)]
        best = [stem for _, stem in sorted(self.best, reverse=True) if stem not in worst]
        return worst, best

    def panels(self):
        """{stem: (image, labels, scores, counted_at)} to draw: every frame while the run has at
        most ``max_panels``, else the gallery's; full resolution where kept. ``image`` may be a
        function that reads it (``draw_image``)."""
        out = {stem: (*arrays, ' (counted at panel size)') for stem, arrays in
               self.small.items()} if self.count <= self.max_panels else {}
        worst, best = self.gallery()
        for stem in worst + best:
            out[stem] = (*self.full[stem], '')
        return out


class _Key:
    """Orders (AP, stem) keys for a min-heap that keeps the ``gallery_size`` largest (sign 1)
    or smallest (sign -1); stems are strings, so they cannot simply be negated."""
    __slots__ = ('key', 'sign')

    def __init__(self, key, sign):
        self.key, self.sign = key, sign

    def __lt__(self, other):
        return self.key < other.key if self.sign > 0 else self.key > other.key

    def __eq__(self, other):
        return self.key == other.key


def write_run_report(report_dir, identity, metrics, counts, frames, report_frames,
                     score_range=None, name='report'):
    """Write the report of one run.

    ``identity``: what the run was (config, checkpoint, dataset, ...); ``metrics``: {scorer:
    {metric: value}}; ``counts``: {scorer: ScoreCounts}; ``frames``: AnomalyMetric's frames
    (``stem``, ``img_path``, per-scorer ``report`` rows); ``report_frames``: the
    ``ReportFrames`` of the first scorer; ``score_range``: (vmin, vmax, scorer) the config set
    for its scorer. Files are named after ``name``: NAME.html, NAME.json, NAME_files/.
    Returns the path of the page."""
    files_dir = f'{name}_files'
    scorers = list(metrics)
    first = report_frames.scorer
    summaries = {s: curve_summary(counts[s]) for s in scorers}
    threshold, source = best_f1(counts[first])[1], 'its best pixel F1 over all frames'
    if score_range is not None and score_range[2] == first:
        vmin, vmax, range_source = score_range[0], score_range[1], 'the config\'s range'
    else:
        vmin, vmax = summaries[first]['quantiles']
        range_source = '1st to 99th percentile of all its scores'
    if np.isnan(threshold):
        threshold, source = vmax, 'no anomaly pixel: the top of the colour range'
    worst, best = report_frames.gallery()
    drawn = report_frames.panels()

    figures = {k: f'{files_dir}/{k}.png' for k in ('pr', 'roc', 'hist')}
    rows, panels = [], []
    for f in frames:
        row = dict(stem=f['stem'], img_path=f.get('img_path'),
                   anomaly_pixels=int(f['report'][first]['anomaly_pixels']),
                   inlier_pixels=int(f['report'][first]['inlier_pixels']),
                   scorers={s: {k: _plain(v) for k, v in f['report'][s].items()
                                if k not in ('anomaly_pixels', 'inlier_pixels')}
                            for s in scorers},
                   panel=None)
        if f['stem'] in drawn:
            panel = f'{files_dir}/frames/{f["stem"]}.jpg'
            panels.append((osp.join(report_dir, panel), drawn[f['stem']]))
            row['panel'] = panel
        rows.append(row)
    # the panels are drawn by two threads (OpenCV and numpy release the GIL) while this one
    # plots the curves
    thin = {s: summaries[s]['curve'] for s in scorers}
    with ThreadPoolExecutor(max_workers=2) as pool:
        drawing = pool.map(lambda task: _write_panel(*task, first, vmin, vmax, threshold),
                           panels)
        plot_curves_overlay(thin, metrics, osp.join(report_dir, figures['pr']),
                            osp.join(report_dir, figures['roc']))
        plot_histogram_grid({s: summaries[s]['histogram'] for s in scorers},
                            osp.join(report_dir, figures['hist']))
        list(drawing)  # raises what a panel raised
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


def draw_image(image):
    """The image of a ``ReportFrames.panels()`` entry, read now if it was not yet."""
    return image() if callable(image) else image


def _write_panel(path, kept, scorer, vmin, vmax, threshold):
    image, labels, scores, counted_at = kept
    image = draw_image(image)
    panel, _ = frame_panel(image, labels, scores, vmin, vmax, threshold, scorer,
                           counted_at=counted_at)
    ok, buf = cv2.imencode('.jpg', panel, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise RuntimeError(f'{path}: could not encode the panel')
    write_bytes_atomic(path, buf.tobytes())
