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


def curve_metrics(counts):
    """AP, AUROC, FPR95 and FPR95_interp of a ScoreCounts (fractions; NaN where undefined)."""
    values, pos, neg = counts.table()
    tp = np.cumsum(pos[::-1])
    fp = np.cumsum(neg[::-1])
    n_pos, n_neg = (int(tp[-1]), int(fp[-1])) if tp.size else (0, 0)
    out = dict(AP=float('nan'), AUROC=float('nan'), FPR95=float('nan'),
               FPR95_interp=float('nan'), num_anomaly_pixels=n_pos, num_inlier_pixels=n_neg)
    if n_pos == 0:
        return out
    recall = tp / n_pos
    precision = tp / (tp + fp)
    out['AP'] = float(np.sum(np.diff(recall, prepend=0.0) * precision))
    if n_neg == 0:
        return out
    tpr = np.concatenate([[0.0], recall])
    fpr = np.concatenate([[0.0], fp / n_neg])
    out['AUROC'] = float(np.trapezoid(tpr, fpr))
    i = int(np.argmax(tpr >= TPR_TARGET))
    out['FPR95'] = float(fpr[i])
    step = (TPR_TARGET - tpr[i - 1]) / (tpr[i] - tpr[i - 1])
    out['FPR95_interp'] = float(fpr[i - 1] + step * (fpr[i] - fpr[i - 1]))
    return out
