"""Pixel-level anomaly detection metrics, fed one frame at a time in bounded memory.

Anomaly pixels (label 1) are positives, inlier pixels (label 0) negatives; other labels are void.
A ``ScoreCounts`` keeps, per score, how many positive and negative pixels had it. Every curve
point is a threshold t at a kept score, a pixel being flagged when s >= t:

    TP(t), FP(t)   positives, negatives with s >= t;   P, N their totals
    AP    = sum_n (R_n - R_{n-1}) * Prec_n   over thresholds in decreasing order, R_0 = 0
            (the step sum of sklearn's ``average_precision_score``), R = TP / P, Prec = TP / (TP+FP)
    AUROC = trapezoid area under (FPR, TPR), starting at (0, 0)   (sklearn's ``roc_auc_score``)
    FPR95 = FPR at the first threshold, in decreasing order, whose TPR >= 0.95 (no interpolation)
    FPR95_interp = FPR linearly interpolated between the two curve points around TPR = 0.95

**Exact while the distinct scores fit.** Up to ``max_distinct`` (2**20) distinct scores in all
frames the counts are per distinct score, so the metrics equal those of sorting every pixel at
once, ties included. Float16 maps (the SMIYC submission format; at most 65,536 values) and
quantised maps always stay exact.

**Order-preserving quantisation beyond.** Float32 maps of a softmax or a logit have nearly as
many distinct values as pixels (about 10**8 in 100 full frames), which cannot be counted in
bounded memory. Past ``max_distinct`` the counts move to buckets: a score s gets the key
k(s), its float64 bit pattern reordered so that k is increasing in s (sign bit flipped for
s >= 0, all bits flipped for s < 0), and the bucket k(s) >> b. Each octave in use (a sign and
exponent: the key's top 12 bits) gets 2**(52 - b) buckets, b being the fewest dropped bits for
which all octaves in use fit into ``max_buckets`` (2**23) buckets; octaves no score falls in
cost nothing, so scores on both sides of 0, or reaching 0 itself, lose no resolution. A bucket
is a run of consecutive float64 values, so buckets never reorder scores: pixels of one bucket
are only tied. Its width is 2**(b - 52) of the score's magnitude (2**-17 with 64 octaves in
use), and its threshold is the lowest value it covers. The result depends on the set of scores
only, not on the frame order. Measured against sorting every pixel
(``tools/benchmark/metric_speed.py --dtype float32``, ``tools/benchmark/quantisation_error.py``
on real maps) the error on AP, AUROC and FPR95 stays below 1e-5; ``ScoreCounts.dropped_bits``
says whether it happened (0: exact).

Memory: at most ``max_distinct`` table rows (24 bytes each) or ``max_buckets`` buckets (8 bytes
each: two uint32 counts, int64 once 2**32 pixels are counted), plus one frame's sorted scores,
whatever the number of frames.
"""
import numpy as np

from anomseg.utils.errors import InputError

TPR_TARGET = 0.95
MAX_DISTINCT = 1 << 20
MAX_BUCKETS = 1 << 23
_SIGN = np.uint64(1 << 63)


def split_sorted(scores, labels):
    """One frame's anomaly and inlier scores, each sorted ascending: ``(pos, neg)`` in the map's
    float dtype (integer and boolean maps as float64). One sort serves the exact counts, the
    SMIYC percentile bins and the per-frame report. Refuses a shape other than the labels' and
    NaN or infinite scores (which sort to the ends, so only the ends are checked)."""
    scores = np.asarray(scores)
    labels = np.asarray(labels)
    if scores.shape != labels.shape:
        raise InputError(f'scores of shape {scores.shape} do not match labels of shape '
                         f'{labels.shape}')
    if scores.dtype.kind not in 'fiub':
        raise InputError(f'scores must be real numbers, got dtype {scores.dtype}')
    if scores.dtype.kind != 'f' or scores.dtype.itemsize > 8:
        scores = scores.astype(np.float64)
    parts = []
    for value in (1, 0):
        part = scores[labels == value]
        if part.dtype == np.float16:
            part = _sort_float16(part)
        else:
            part.sort()
        if part.size and not (np.isfinite(part[0]) and np.isfinite(part[-1])):
            raise InputError('anomaly scores contain NaN or infinity')
        parts.append(part)
    return tuple(parts)


def _sort_float16(values):
    """Float16 values sorted ascending by a radix sort of order-preserving 16-bit keys (the
    bits with the sign bit flipped for s >= 0, all bits flipped for s < 0): about ten times
    faster than numpy's comparison sort on a frame. NaN sorts to an end, as with np.sort."""
    bits = values.view(np.uint16)
    keys = bits ^ np.where(bits >> 15, np.uint16(0xFFFF), np.uint16(0x8000))
    keys.sort(kind='stable')  # numpy sorts 16-bit integers by radix sort
    return (keys ^ np.where(keys >> 15, np.uint16(0x8000), np.uint16(0xFFFF))).view(np.float16)


def _run_starts(sorted_values):
    """Index of the first element of each run of equal values in a sorted array."""
    change = np.empty(sorted_values.size, bool)
    change[:1] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=change[1:])
    return np.flatnonzero(change)


def _keys(values):
    """Order-preserving uint64 keys of ascending float values (-0.0 counts as 0.0): the float64
    bits with the sign bit flipped for s >= 0 and all bits flipped for s < 0."""
    bits = np.array(values, np.float64)
    bits[bits.searchsorted(0.0, 'left'):bits.searchsorted(0.0, 'right')] = 0.0  # drops -0.0
    bits = bits.view(np.uint64)
    flip = bits >> np.uint64(63)
    flip *= np.uint64((1 << 63) - 1)
    flip |= _SIGN
    bits ^= flip
    return bits


def _values(keys):
    """The float64 values of keys (inverse of ``_keys``)."""
    return np.where(keys >= _SIGN, keys & ~_SIGN, ~keys).view(np.float64)


class ScoreCounts:
    """Positive and negative pixel counts per distinct score, or per bucket of consecutive
    float64 values once more than ``max_distinct`` scores are distinct (see the module)."""

    def __init__(self, max_distinct=MAX_DISTINCT, max_buckets=MAX_BUCKETS):
        self.max_distinct, self.max_buckets = max_distinct, max_buckets
        self.dropped_bits = 0
        self._tables = []  # exact: (keys ascending, counts (2, n)), merged lazily
        self._merged_size = self._pending_size = 0
        # bucketed: one block of 2**(52 - dropped_bits) buckets per octave (sign and exponent,
        # the key's top 12 bits) in use, in the order the octaves came
        self._dense = None
        self._block = np.full(1 << 12, -1, np.int64)  # octave -> its block, -1: none yet
        self._total = 0  # pixels counted into _dense, which is uint32 while that fits

    def update(self, scores, labels):
        """Add one frame. ``labels``: 1 anomaly, 0 inlier, anything else ignored."""
        return self.update_sorted(*split_sorted(scores, labels))

    def update_sorted(self, pos, neg):
        """Add one frame given as ``split_sorted``'s sorted anomaly and inlier scores."""
        for row, part in enumerate((pos, neg)):
            if not part.size:
                continue
            if self._dense is None:
                starts = _run_starts(part)
                keys = _keys(part[starts])
                counts = np.zeros((2, starts.size), np.int64)
                counts[row] = np.diff(starts, append=part.size)
                # exact while the union of all scores fits: the sizes bound it, else the frame
                # is merged into the one table and the union counted
                if starts.size + self._merged_size + self._pending_size <= self.max_distinct:
                    self._add(keys, counts)
                    continue
                self._compact()
                if self._dense is None and self._merge_table(keys, counts):
                    continue
                del starts, keys, counts
                if self._dense is None:
                    self._to_buckets(0)
            self._count_pixels(part, row)
        return self

    def merge(self, other):
        """Add another ScoreCounts (e.g. from another process)."""
        if other._dense is None:
            for keys, counts in other._tables:
                self._add(keys, counts)
            if self._dense is None:
                self._compact()  # to buckets now if the union outgrew max_distinct
        else:
            for values, pos, neg in other.descending():
                self._add(_keys(values[::-1]), np.stack([pos[::-1], neg[::-1]]),
                          other.dropped_bits)
        return self

    def _merge_table(self, keys, counts):
        """Merge counts (2, n) of ascending distinct keys into the one exact table if the union
        of their keys has at most max_distinct; whether it did. Costs a binary search per key
        and one pass over the table, however close the union is to the limit."""
        if not self._tables:
            return False  # one frame beyond max_distinct
        table, table_counts = self._tables[0]
        at = table.searchsorted(keys)
        present = at < table.size
        present[present] = table[at[present]] == keys[present]
        new = ~present
        if self._merged_size + int(new.sum()) > self.max_distinct:
            return False
        merged = table_counts.copy()
        merged[:, at[present]] += counts[:, present]
        self._tables = [(np.insert(table, at[new], keys[new]),
                         np.insert(merged, at[new], counts[:, new], axis=1))]
        self._merged_size = self._tables[0][0].size
        return True

    def _add(self, keys, counts, min_bits=0):
        """Add counts (2, n) of ascending keys; ``min_bits``: the keys are buckets of that many
        dropped bits."""
        if self._dense is None and not min_bits:
            self._tables.append((keys, counts))
            self._pending_size += keys.size
            if self._pending_size >= max(self._merged_size, 1024):
                self._compact()
            return
        if self._dense is None:
            self._compact()
            self._to_buckets(min_bits)
        self._grow(int(counts.sum()))
        index = self._bucket_index(keys, min_bits)
        starts = _run_starts(index)
        self._dense[:, index[starts]] += np.add.reduceat(counts, starts, axis=1).astype(
            self._dense.dtype)

    def _count_pixels(self, values, row, chunk=1 << 19):
        """Count ascending scores, one pixel each, into row ``row`` of the buckets, a chunk at a
        time: the temporaries stay a few MiB whatever the frame's size."""
        self._grow(values.size)
        for start in range(0, values.size, chunk):
            index = self._bucket_index(_keys(values[start:start + chunk]))
            starts = _run_starts(index)
            self._dense[row, index[starts]] += np.diff(starts, append=index.size).astype(
                self._dense.dtype)

    def _bucket_index(self, keys, min_bits=0):
        """Positions in _dense of ascending keys: equal positions come in runs."""
        runs, start = [], 0  # (octave, end): the keys' octaves, found by binary search
        while start < keys.size:
            octave = int(keys[start] >> np.uint64(52))
            end = keys.size if octave == (1 << 12) - 1 else int(
                keys.searchsorted(np.uint64((octave + 1) << 52)))
            runs.append((octave, end))
            start = end
        self._make_room([octave for octave, _ in runs], min_bits)
        width = 52 - self.dropped_bits
        index = keys >> np.uint64(self.dropped_bits)
        start = 0
        for octave, end in runs:  # key >> bits - (octave << width) + (block << width), mod 2**64
            shift = (int(self._block[octave]) - octave) << width
            index[start:end] += np.uint64(shift % (1 << 64))
            start = end
        return index.view(np.int64)

    def _make_room(self, octaves, min_bits):
        """Give each octave a block, dropping the fewest further bits (summing neighbouring
        buckets) so that all blocks hold at most max_buckets buckets."""
        new = [o for o in octaves if self._block[o] < 0]
        used = int(np.count_nonzero(self._block >= 0))
        bits = max(self.dropped_bits, min_bits)
        while (used + len(new)) << (52 - bits) > self.max_buckets:
            bits += 1
        if bits > self.dropped_bits:
            merged = 1 << (bits - self.dropped_bits)
            self._dense = self._dense.reshape(2, -1, merged).sum(-1, dtype=self._dense.dtype)
            self.dropped_bits = bits
        if new:
            self._block[new] = np.arange(used, used + len(new))
            self._dense = np.concatenate([self._dense, np.zeros(
                (2, len(new) << (52 - bits)), self._dense.dtype)], axis=1)

    def _grow(self, pixels):
        """uint32 counts while fewer than 2**32 pixels are counted (no bucket can overflow)."""
        self._total += pixels
        if self._total >= 1 << 32 and self._dense.dtype != np.int64:
            self._dense = self._dense.astype(np.int64)

    def _compact(self):
        """Merge the exact tables into one; move to buckets when it outgrows max_distinct."""
        if len(self._tables) > 1:
            keys = np.concatenate([t[0] for t in self._tables])
            order = np.argsort(keys, kind='stable')
            keys = keys[order]
            counts = np.concatenate([t[1] for t in self._tables], axis=1)[:, order]
            starts = _run_starts(keys)
            self._tables = [(keys[starts], np.add.reduceat(counts, starts, axis=1))]
        self._merged_size = self._tables[0][0].size if self._tables else 0
        self._pending_size = 0
        if self._merged_size > self.max_distinct:
            self._to_buckets(0)

    def _to_buckets(self, min_bits):
        self._dense = np.zeros((2, 0), np.uint32)
        self.dropped_bits = min_bits  # _make_room drops what the octaves in use need
        tables, self._tables = self._tables, []
        self._merged_size = 0
        if tables:
            self._add(*tables[0], min_bits)

    def table(self):
        """(scores ascending, positive counts, negative counts); bucketed: each bucket's lowest
        value."""
        parts = list(self.descending())
        if not parts:
            return np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64)
        return tuple(np.concatenate([p[i] for p in parts])[::-1] for i in range(3))

    def descending(self, chunk=1 << 19):
        """The table in pieces of at most ``chunk`` rows, highest scores first: (scores, positive
        counts, negative counts), each piece descending. What the metrics walk through, so that
        they never hold the whole table."""
        if self._dense is None:
            self._compact()
            if self._tables:
                keys, counts = self._tables[0]
                for end in range(keys.size, 0, -chunk):
                    part = slice(max(end - chunk, 0), end)
                    yield _values(keys[part])[::-1], counts[0, part][::-1], counts[1, part][::-1]
            return
        width = 52 - self.dropped_bits
        for octave in np.flatnonzero(self._block >= 0)[::-1]:
            block = self._block[octave] << width
            for end in range(1 << width, 0, -chunk):
                start = max(end - chunk, 0)
                used = np.flatnonzero(self._dense[:, block + start:block + end].any(0))[::-1]
                if used.size:
                    keys = (np.uint64(octave) << np.uint64(52)) | (
                        (used + start).astype(np.uint64) << np.uint64(self.dropped_bits))
                    counts = self._dense[:, block + start + used].astype(np.int64)
                    yield _values(keys), counts[0], counts[1]

    def totals(self):
        """(anomaly pixels, inlier pixels) counted."""
        if self._dense is not None:
            return tuple(int(n) for n in self._dense.sum(1, dtype=np.int64))
        self._compact()
        return tuple(int(n) for n in self._tables[0][1].sum(1)) if self._tables else (0, 0)


def curve_pieces(counts):
    """The curve points of ``curves`` in pieces, highest thresholds first (one piece per piece
    of ``counts.descending()``): what a walk over the whole curve reads in bounded memory."""
    n_pos, n_neg = counts.totals()
    tp_before = fp_before = 0
    for values, pos, neg in counts.descending():
        tp = np.cumsum(pos) + tp_before
        fp = np.cumsum(neg) + fp_before
        with np.errstate(divide='ignore', invalid='ignore'):
            yield dict(threshold=values, tp=tp, fp=fp, precision=tp / (tp + fp),
                       recall=tp / n_pos if n_pos else np.full(tp.shape, np.nan),
                       fpr=fp / n_neg if n_neg else np.full(fp.shape, np.nan))
        tp_before, fp_before = int(tp[-1]), int(fp[-1])


def curves(counts):
    """The curve points, thresholds in decreasing order: dict of arrays ``threshold``, ``tp``,
    ``fp``, ``precision``, ``recall`` (= TPR), ``fpr``, plus totals ``n_pos``, ``n_neg``."""
    pieces = list(curve_pieces(counts))
    keys = ('threshold', 'tp', 'fp', 'precision', 'recall', 'fpr')
    out = {k: np.concatenate([p[k] for p in pieces]) if pieces else np.empty(0) for k in keys}
    out['n_pos'], out['n_neg'] = counts.totals()
    return out


def curve_metrics(counts):
    """AP, AUROC, FPR95 and FPR95_interp of a ScoreCounts (fractions; NaN where undefined),
    summed piece by piece over ``counts.descending()``: with R_n - R_{n-1} = pos_n / P and
    FPR_n - FPR_{n-1} = neg_n / N,

        AP = sum_n pos_n / P * TP_n / (TP_n + FP_n)
        AUROC = sum_n neg_n / N * (TP_n + TP_{n-1}) / (2 P)   (the trapezoids from (0, 0))
    """
    n_pos, n_neg = counts.totals()
    out = dict(AP=float('nan'), AUROC=float('nan'), FPR95=float('nan'),
               FPR95_interp=float('nan'), num_anomaly_pixels=n_pos, num_inlier_pixels=n_neg)
    if n_pos == 0:
        return out
    ap = auroc = 0.0
    tp_before = fp_before = 0  # cumulative counts before this piece
    for _, pos, neg in counts.descending():
        tp = np.cumsum(pos) + tp_before
        fp = np.cumsum(neg) + fp_before
        ap += float(np.dot(pos, tp / (tp + fp))) / n_pos
        if n_neg:
            auroc += float(np.dot(neg, 2 * tp - pos)) / (2 * n_pos * n_neg)
            reached = np.flatnonzero(tp / n_pos >= TPR_TARGET)  # as TPR is compared
            if reached.size and np.isnan(out['FPR95']):
                i = reached[0]
                tpr_prev = (tp[i - 1] if i else tp_before) / n_pos
                fpr_prev = (fp[i - 1] if i else fp_before) / n_neg
                tpr, fpr = tp[i] / n_pos, fp[i] / n_neg
                out['FPR95'] = float(fpr)
                step = (TPR_TARGET - tpr_prev) / (tpr - tpr_prev)
                out['FPR95_interp'] = float(fpr_prev + step * (fpr - fpr_prev))
        tp_before, fp_before = int(tp[-1]), int(fp[-1])
    out['AP'] = ap
    if n_neg:
        out['AUROC'] = auroc
    return out


def frame_summary(pos, neg):
    """One frame's row of the per-frame report from its sorted anomaly and inlier scores
    (``split_sorted``): pixel counts, the frame's own AP and FPR95, and the mean score of its
    inlier and anomaly pixels (NaN where undefined), all exact, as ``curve_metrics`` defines
    them. Only the anomaly scores are thresholds that move the recall: at each distinct one, v,
    TP(v) = #{pos >= v} and FP(v) = #{neg >= v} (a binary search in the sorted inlier scores),
    AP = sum_v #{pos == v} / P * TP(v) / (TP(v) + FP(v)), and FPR95 = FP(v*) / N at the highest
    v* with TP(v*) / P >= 0.95 (the first such threshold in decreasing order)."""
    n_pos, n_neg = int(pos.size), int(neg.size)
    ap = fpr95 = float('nan')
    if n_pos:
        starts = _run_starts(pos)
        tp = n_pos - starts
        fp = n_neg - np.searchsorted(neg, pos[starts], 'left')
        # a sum of products, not np.dot: this runs per frame, and OpenBLAS's threads, woken by
        # a dot product, spin for a while after it, taking the cores from the threads that
        # read and spill the next frames (a third more CPU time over a run)
        ap = float(np.sum(np.diff(starts, append=n_pos) * (tp / (tp + fp)))) / n_pos
        if n_neg:
            fpr95 = float(fp[np.flatnonzero(tp / n_pos >= TPR_TARGET)[-1]] / n_neg)
    return dict(anomaly_pixels=n_pos, inlier_pixels=n_neg, AP=ap, FPR95=fpr95,
                mean_inlier_score=float(np.mean(neg, dtype=np.float64)) if n_neg
                else float('nan'),
                mean_anomaly_score=float(np.mean(pos, dtype=np.float64)) if n_pos
                else float('nan'))


def best_f1(counts):
    """(best pixel F1, its threshold) of a ScoreCounts over the thresholds ``score >= t`` at its
    distinct scores (buckets): F1 = 2 TP / (2 TP + FP + FN); (NaN, NaN) without anomaly pixels."""
    n_pos, _ = counts.totals()
    best, threshold = float('nan'), float('nan')
    if n_pos == 0:
        return best, threshold
    tp_before = fp_before = 0
    for values, pos, neg in counts.descending():
        tp = np.cumsum(pos) + tp_before
        fp = np.cumsum(neg) + fp_before
        f1 = 2 * tp / (tp + fp + n_pos)  # 2 TP + FP + FN = TP + FP + P
        i = int(np.argmax(f1))
        if not f1[i] <= best:  # also where best is NaN
            best, threshold = float(f1[i]), float(values[i])
        tp_before, fp_before = int(tp[-1]), int(fp[-1])
    return best, threshold
