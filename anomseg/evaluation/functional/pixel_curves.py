"""Pixel-level anomaly detection metrics, exact and fed one frame at a time.

Anomaly pixels (label 1) are positives, inlier pixels (label 0) negatives; other labels are void.
A ``ScoreCounts`` keeps, for every distinct score, how many positive and negative pixels had it.
Every curve point is a threshold t at a distinct score, a pixel being flagged when s >= t, so the
metrics below equal those of sorting all pixels at once, ties included:

    TP(t), FP(t)   positives, negatives with s >= t;   P, N their totals
    AP    = sum_n (R_n - R_{n-1}) * Prec_n   over thresholds in decreasing order, R_0 = 0
            (the step sum of sklearn's ``average_precision_score``), R = TP / P, Prec = TP / (TP+FP)
    AUROC = trapezoid area under (FPR, TPR), starting at (0, 0)   (sklearn's ``roc_auc_score``)
    FPR95 = FPR at the first threshold, in decreasing order, whose TPR >= 0.95 (no interpolation)
    FPR95_interp = FPR linearly interpolated between the two curve points around TPR = 0.95

Memory grows with the number of distinct scores, not with the number of frames or pixels: at
most 65,536 for float16 maps (the SMIYC submission format), which are counted per bit pattern in
one pass; float32 maps can have as many distinct scores as pixels.
"""
import numpy as np

TPR_TARGET = 0.95


class ScoreCounts:
    """Positive and negative pixel counts per distinct score, merged lazily as frames arrive."""

    def __init__(self):
        self._tables = []  # (values ascending, pos, neg); merged when the pending part is large
        self._merged_size = 0
        self._pending_size = 0

    def update(self, scores, labels):
        """Add one frame. ``labels``: 1 anomaly, 0 inlier, anything else ignored."""
        scores = np.asarray(scores)
        labels = np.asarray(labels)
        if scores.shape != labels.shape:
            raise ValueError(f'scores of shape {scores.shape} do not match labels of shape '
                             f'{labels.shape}')
        keep = (labels == 0) | (labels == 1)
        values, is_pos = scores[keep], labels[keep] == 1
        if values.size == 0:
            return self
        if values.dtype == np.float16:  # at most 65536 distinct values: count bit patterns
            bits = values.view(np.uint16)
            pos = np.bincount(bits[is_pos], minlength=65536)
            neg = np.bincount(bits[~is_pos], minlength=65536)
            seen = (pos + neg) > 0
            values = np.arange(65536, dtype=np.uint16).view(np.float16)[seen]
            pos, neg = pos[seen], neg[seen]
        else:
            pos, neg = is_pos.astype(np.int64), (~is_pos).astype(np.int64)
        values = values.astype(np.float64)
        if not np.isfinite(values).all():
            raise ValueError('anomaly scores contain NaN or infinity')
        self._add(values, pos, neg)
        return self

    def merge(self, other):
        """Add another ScoreCounts (e.g. from another process)."""
        for table in other._tables:
            self._tables.append(table)
            self._pending_size += table[0].size
        self._maybe_compact()
        return self

    def _add(self, values, pos, neg):
        table = _collapse(values, pos, neg)
        self._tables.append(table)
        self._pending_size += table[0].size
        self._maybe_compact()

    def _maybe_compact(self, force=False):
        if len(self._tables) > 1 and (force or self._pending_size >= self._merged_size):
            self._tables = [_collapse(*(np.concatenate(parts) for parts in zip(*self._tables)))]
            self._merged_size, self._pending_size = self._tables[0][0].size, 0

    def table(self):
        """(distinct scores ascending, positive counts, negative counts)."""
        self._maybe_compact(force=True)
        if not self._tables:
            return np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
        return self._tables[0]


def _collapse(values, pos, neg):
    """One row per distinct value: (values ascending, summed pos, summed neg)."""
    uniq, inverse = np.unique(values, return_inverse=True)
    return (uniq, np.bincount(inverse, pos, uniq.size).astype(np.int64),
            np.bincount(inverse, neg, uniq.size).astype(np.int64))


def curves(counts):
    """The curve points, thresholds in decreasing order: dict of arrays ``threshold``, ``tp``,
    ``fp``, ``precision``, ``recall`` (= TPR), ``fpr``, plus totals ``n_pos``, ``n_neg``."""
    values, pos, neg = counts.table()
    tp = np.cumsum(pos[::-1])
    fp = np.cumsum(neg[::-1])
    n_pos, n_neg = (int(tp[-1]), int(fp[-1])) if tp.size else (0, 0)
    with np.errstate(divide='ignore', invalid='ignore'):
        return dict(threshold=values[::-1], tp=tp, fp=fp, precision=tp / (tp + fp),
                    recall=tp / n_pos if n_pos else np.full(tp.shape, np.nan),
                    fpr=fp / n_neg if n_neg else np.full(fp.shape, np.nan),
                    n_pos=n_pos, n_neg=n_neg)


def curve_metrics(counts):
    """AP, AUROC, FPR95 and FPR95_interp of a ScoreCounts (fractions; NaN where undefined)."""
    c = curves(counts)
    n_pos, n_neg = c['n_pos'], c['n_neg']
    out = dict(AP=float('nan'), AUROC=float('nan'), FPR95=float('nan'),
               FPR95_interp=float('nan'), num_anomaly_pixels=n_pos, num_inlier_pixels=n_neg)
    if n_pos == 0:
        return out
    recall = c['recall']
    out['AP'] = float(np.sum(np.diff(recall, prepend=0.0) * c['precision']))
    if n_neg == 0:
        return out
    tpr = np.concatenate([[0.0], recall])
    fpr = np.concatenate([[0.0], c['fpr']])
    out['AUROC'] = float(np.trapezoid(tpr, fpr))
    i = int(np.argmax(tpr >= TPR_TARGET))
    out['FPR95'] = float(fpr[i])
    step = (TPR_TARGET - tpr[i - 1]) / (tpr[i] - tpr[i - 1])
    out['FPR95_interp'] = float(fpr[i - 1] + step * (fpr[i] - fpr[i - 1]))
    return out


def score_histograms(counts, bins=100):
    """(bin edges, inlier pixel counts, anomaly pixel counts) over the scores' range."""
    values, pos, neg = counts.table()
    if not values.size:
        return np.linspace(0, 1, bins + 1), np.zeros(bins, np.int64), np.zeros(bins, np.int64)
    lo, hi = float(values[0]), float(values[-1])
    edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
    return (edges, np.histogram(values, edges, weights=neg)[0].astype(np.int64),
            np.histogram(values, edges, weights=pos)[0].astype(np.int64))


def frame_summary(scores, labels, counts=None):
    """One frame's row of the per-frame report: pixel counts, the frame's own AP and FPR95, and
    the mean score of its inlier and anomaly pixels (NaN where undefined). ``counts``: the
    frame's ScoreCounts if already made."""
    scores, labels = np.asarray(scores), np.asarray(labels)
    m = curve_metrics(counts or ScoreCounts().update(scores, labels))
    inl, ano = scores[labels == 0], scores[labels == 1]
    return dict(anomaly_pixels=m['num_anomaly_pixels'], inlier_pixels=m['num_inlier_pixels'],
                AP=m['AP'], FPR95=m['FPR95'],
                mean_inlier_score=float(inl.mean()) if inl.size else float('nan'),
                mean_anomaly_score=float(ano.mean()) if ano.size else float('nan'))
