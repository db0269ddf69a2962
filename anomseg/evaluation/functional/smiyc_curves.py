"""Pixel curves as the SegmentMeIfYouCan evaluator builds them (road-anomaly-benchmark,
``PixBinaryClass`` and ``PixBinaryClass-uniThr``), reproduced step by step so that leaderboard
numbers come out the same.

Per frame, over pixels labelled 0 (inlier) or 1 (anomaly), scores in [0, 1]:

- ``'percentiles'`` (``PixBinaryClass``, 768 bins): bin edges are {0, 1} plus the quantiles of the
  anomaly scores and of the inlier scores at ``min(num_bins // 2, n)`` evenly spaced levels each,
  deduplicated; ``'uniform'`` (``PixBinaryClass-uniThr``, 4096 bins): equal bins over [0, 1]
  (float16 maps are binned as float32 ones: the official code fails on float16 there).
- each bin counts anomaly (tp) and inlier (fp) pixels, ``np.histogram``-style (last bin closed);
  scores outside [0, 1] fall in no bin, as in the official code. A bin's threshold is its lower
  edge.

Frames are merged by sorting all frames' (threshold, tp, fp) bins by threshold, high to low
(uniform bins share their edges and are summed instead), accumulating, and keeping one point per
distinct threshold (the official code also keeps the very first point). The curve gets a (0, 0)
start and an (all, all) end where missing; then

    precision = tp / (tp + fp), 1 where nothing is predicted yet;   recall = TPR = tp / P
    AP = sum_n (R_n - R_{n-1}) Prec_n;   AUROC = trapezoid(TPR over FPR)
    FPR95 = FPR at ``searchsorted(TPR, 0.95)``;   F1 = 2 tp / (2 tp + fp + fn), best over points

Each curve point carries its bin's threshold (1 for the added start, 0 for the added end); the
thresholds reported with FPR95 and the best F1 are those of the chosen points, and the best-F1
threshold is what the official component-level evaluation binarises with.
"""
import numpy as np

from anomseg.utils.errors import InputError
from .pixel_curves import split_sorted

SMIYC_NUM_BINS = dict(percentiles=768, uniform=4096)


def frame_bins(scores, labels, num_bins=None, strategy='percentiles'):
    """One frame's histogram: dict(thresholds (descending), tp, fp, num_pos, num_neg). Pixels
    labelled 1 are anomalies, 0 inliers, anything else void."""
    return frame_bins_sorted(*split_sorted(scores, labels), num_bins, strategy)


def frame_bins_sorted(pos, neg, num_bins=None, strategy='percentiles'):
    """``frame_bins`` of a frame's sorted anomaly and inlier scores (``split_sorted``): the
    quantiles are read off the sorted scores and every bin is counted by a binary search, which
    gives ``np.quantile``'s edges and ``np.histogram``'s counts without sorting again."""
    if strategy not in SMIYC_NUM_BINS:
        raise InputError(f'strategy must be one of {list(SMIYC_NUM_BINS)}, got {strategy!r}')
    num_bins = num_bins or SMIYC_NUM_BINS[strategy]
    if strategy == 'uniform':
        if pos.dtype == np.float16:
            # numpy builds the edges in the data's type and refuses 4096 of them in float16 (so
            # does the official code): bin as a float32 map would be binned
            pos, neg = pos.astype(np.float32), neg.astype(np.float32)
        edges = np.linspace(0, 1, num_bins + 1, dtype=np.result_type(0, 1, pos))
    else:
        edges = [np.array([0, 1])]
        for part in (pos, neg):
            if part.size:
                edges.append(sorted_quantile(part, np.linspace(0, 1, min(num_bins // 2,
                                                                         part.size))))
        edges = np.unique(np.concatenate(edges))
    tp, fp = (np.diff(np.concatenate([_count_below(part, edges[:-1]),
                                      _count_below(part, edges[-1:], inclusive=True)]))
              for part in (pos, neg))
    return dict(thresholds=edges[:-1][::-1], tp=tp[::-1], fp=fp[::-1], num_pos=int(pos.size),
                num_neg=int(neg.size))


def _count_below(values, edges, inclusive=False):
    """How many of the ascending ``values`` are < each edge (<= with ``inclusive``), compared
    exactly as numpy compares mixed dtypes, but searched in the values' own dtype (no float64
    copy of the frame): v < e  iff  v < up(e), and v <= e  iff  v <= down(e), with up(e) and
    down(e) the nearest values of that dtype at or above and at or below e."""
    near = edges.astype(values.dtype)
    if inclusive:
        near = np.where(near > edges, np.nextafter(near, -np.inf), near)
        return values.searchsorted(near, 'right')
    near = np.where(near < edges, np.nextafter(near, np.inf), near)
    return values.searchsorted(near, 'left')


def sorted_quantile(values, levels):
    """``np.quantile(values, levels)`` (method 'linear') of an ascending array, bit for bit:
    at virtual index v = (n - 1) q, with i = floor(v) and g = v - i, numpy interpolates
    a = x[i], b = x[i + 1] as a + (b - a) g for g < 1/2 and b - (b - a)(1 - g) otherwise,
    the difference taken in the data's dtype (x[n - 1] for v >= n - 1)."""
    n = values.size
    virtual = (n - 1) * np.asarray(levels, np.float64)
    below = np.floor(virtual)
    gamma = virtual - below
    below = np.minimum(below.astype(np.intp), n - 1)
    a, b = values[below], values[np.minimum(below + 1, n - 1)]
    diff = b - a
    out = a + diff * gamma
    upper = gamma >= 0.5
    out[upper] = (b - diff * (1 - gamma))[upper]
    return out


def merge_frame_bins(frames, strategy='percentiles'):
    """Cumulative (thresholds, tp, fp, num_pos, num_neg) over frames, thresholds descending,
    tp and fp as int64 (exact counts). Memory: the frames' bins once more, sorted (768 bins a
    frame: 2,000 frames make 1.5 M points, 24 bytes each)."""
    num_pos = sum(f['num_pos'] for f in frames)
    num_neg = sum(f['num_neg'] for f in frames)
    if strategy == 'uniform':
        tp, fp = np.zeros_like(frames[0]['tp']), np.zeros_like(frames[0]['fp'])
        for f in frames:
            tp += f['tp']
            fp += f['fp']
        return frames[0]['thresholds'], np.cumsum(tp), np.cumsum(fp), num_pos, num_neg
    thresholds = np.concatenate([f['thresholds'] for f in frames])
    order = np.argsort(thresholds)[::-1]
    thresholds = thresholds[order]
    tp = np.concatenate([f['tp'] for f in frames])[order]
    fp = np.concatenate([f['fp'] for f in frames])[order]
    del order
    return thresholds, np.cumsum(tp, out=tp), np.cumsum(fp, out=fp), num_pos, num_neg


def _curve_points(thresholds, tp, fp, num_pos, num_neg, chunk):
    """The curve's points, (thresholds, tp, fp) in chunks of about ``chunk``: the last bin of
    each run of equal thresholds (and the very first bin), with a (0, 0) start (threshold 1)
    and an (all, all) end (threshold 0) where missing."""
    keep = np.concatenate([[0], np.flatnonzero(thresholds[:-1] != thresholds[1:]),
                           [len(thresholds) - 1]])
    for start in range(0, keep.size, chunk):
        k = keep[start:start + chunk]
        thr, t, f = thresholds[k], tp[k], fp[k]
        if start == 0 and (tp[0] != 0 or fp[0] != 0):
            thr, t, f = (np.concatenate([[a], b]) for a, b in ((1., thr), (0, t), (0, f)))
        if start + chunk >= keep.size and (tp[-1] != num_pos or fp[-1] != num_neg):
            thr, t, f = (np.concatenate([b, [a]]) for a, b in ((0., thr), (num_pos, t),
                                                               (num_neg, f)))
        yield thr, t, f


def smiyc_curve_metrics(thresholds, tp, fp, num_pos, num_neg, chunk=1 << 18):
    """AP, AUROC, FPR95 (+ threshold) and best F1 (+ threshold) of merged cumulative counts,
    computed over ``chunk`` curve points at a time (bounded memory whatever the number of
    frames; one chunk gives exactly the whole-curve formulas' sums)."""
    ap = auroc = 0.0
    fpr95, fpr95_threshold = 1.0, 0.0  # TPR never reaches 0.95
    best_f1 = best_f1_threshold = None
    reached, last = False, None  # last: the previous chunk's last (tpr, fpr)
    for thr, tp_c, fp_c in _curve_points(thresholds, tp, fp, num_pos, num_neg, chunk):
        with np.errstate(divide='ignore', invalid='ignore'):
            tpr = tp_c / num_pos
            fpr = fp_c / num_neg
            f1 = 2 * tp_c / (2 * tp_c + fp_c + (num_pos - tp_c))
        predicted = tp_c + fp_c
        precision = np.ones(tp_c.shape)
        precision[predicted > 0] = tp_c[predicted > 0] / predicted[predicted > 0]
        if last is not None:  # start from the previous chunk's last point (counted there)
            tpr, fpr, thr = (np.concatenate([[a], b]) for a, b in zip(last, (tpr, fpr, thr)))
            precision, f1 = (np.concatenate([[np.nan], b]) for b in (precision, f1))
        ap += float(np.sum(np.diff(tpr) * precision[1:]))
        auroc += float(np.trapezoid(tpr, fpr))
        if not reached:
            i95 = int(np.searchsorted(tpr, 0.95))
            if i95 < tpr.size:
                reached = True
                fpr95, fpr95_threshold = float(fpr[i95]), float(thr[i95])
        if not np.all(np.isnan(f1)):
            best = int(np.nanargmax(f1))
            if best_f1 is None or f1[best] > best_f1:
                best_f1, best_f1_threshold = float(f1[best]), float(thr[best])
        last = (tpr[-1], fpr[-1], thr[-1])
    if best_f1 is None:
        raise ValueError('no curve point has an F1: no pixel is labelled 0 or 1')
    return dict(AP=ap, AUROC=auroc, FPR95=fpr95, FPR95_threshold=fpr95_threshold,
                best_F1=best_f1, best_F1_threshold=best_f1_threshold)
