"""Property-based tests of the metric core against brute-force references written here:
random frame sizes and counts, ties, constant maps, frames without anomalies or all void,
float16 / float32 / float64 maps, tiny and huge values."""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import ndimage

from anomseg.evaluation.functional import (ScoreCounts, component_metrics, curve_metrics,
                                           frame_components)

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DTYPES = (np.float16, np.float32, np.float64)


@st.composite
def frames(draw):
    """1-4 frames of (scores, labels); scores of one dtype, drawn from a few values (ties),
    from a wide float range, or constant."""
    dtype = draw(st.sampled_from(DTYPES))
    width = np.dtype(dtype).itemsize * 8
    kind = draw(st.sampled_from(['ties', 'wide', 'constant', 'tiny']))
    out = []
    for _ in range(draw(st.integers(1, 4))):
        shape = (draw(st.integers(1, 9)), draw(st.integers(1, 9)))
        labels = draw(hnp.arrays(np.uint8, shape, elements=st.sampled_from([0, 1, 255])))
        if kind == 'ties':
            values = st.sampled_from([-2.0, -0.0, 0.0, 0.25, 0.5, 1.0, 3.0])
        elif kind == 'constant':
            values = st.just(draw(st.floats(-1000, 1000, width=width)))
        elif kind == 'tiny':
            bound = float(np.asarray(1e-30 if width > 16 else 1e-6, dtype))  # representable
            values = st.floats(-bound, bound, width=width)
        else:
            values = st.floats(allow_nan=False, allow_infinity=False, width=width)
        out.append((draw(hnp.arrays(dtype, shape, elements=values)), labels))
    return out


def reference_metrics(frames_):
    """AP by walking every distinct threshold, AUROC by counting pairs, FPR95 by walking."""
    s = np.concatenate([f[0][np.isin(f[1], (0, 1))] for f in frames_]).astype(np.float64)
    y = np.concatenate([f[1][np.isin(f[1], (0, 1))] for f in frames_])
    pos, neg = s[y == 1], s[y == 0]
    out = dict(AP=np.nan, AUROC=np.nan, FPR95=np.nan)
    if not pos.size:
        return out
    ap, recall_before, fpr95 = 0.0, 0.0, np.nan
    for t in sorted(set(s.tolist()), reverse=True):
        tp, fp = np.sum(pos >= t), np.sum(neg >= t)
        ap += (tp / pos.size - recall_before) * tp / (tp + fp)
        recall_before = tp / pos.size
        if np.isnan(fpr95) and neg.size and tp / pos.size >= 0.95:
            fpr95 = fp / neg.size
    out['AP'] = ap
    if neg.size:
        greater = (pos[:, None] > neg[None]).sum()
        equal = (pos[:, None] == neg[None]).sum()
        out['AUROC'] = (greater + 0.5 * equal) / (pos.size * neg.size)
        out['FPR95'] = fpr95
    return out


@SETTINGS
@given(frames())
def test_exact_metrics_equal_brute_force(frames_):
    counts = ScoreCounts()
    for scores, labels in frames_:
        counts.update(scores, labels)
    got, want = curve_metrics(counts), reference_metrics(frames_)
    for key in ('AP', 'AUROC', 'FPR95'):
        if np.isnan(want[key]):
            assert np.isnan(got[key]), key
        else:
            assert abs(got[key] - want[key]) <= 1e-9, (key, got[key], want[key])


@SETTINGS
@given(frames(), st.data())
def test_frame_order_and_splitting_across_processes_do_not_matter(frames_, data):
    whole = ScoreCounts(max_distinct=40, max_buckets=256)  # small: buckets too
    for scores, labels in frames_:
        whole.update(scores, labels)
    order = data.draw(st.permutations(range(len(frames_))))
    parts = [ScoreCounts(max_distinct=40, max_buckets=256) for _ in range(2)]
    for i in order:
        parts[data.draw(st.integers(0, 1))].update(*frames_[i])
    merged = parts[0].merge(parts[1])
    assert merged.dropped_bits == whole.dropped_bits
    for a, b in zip(merged.table(), whole.table()):
        assert np.array_equal(a, b)


def reference_components(scores, labels, threshold, min_pred, min_gt):
    """Per-component values with explicit pixel sets."""
    eight = np.ones((3, 3), int)
    gt_ids, n_gt = ndimage.label(labels == 1, eight)
    pred_ids, n_pred = ndimage.label((scores > threshold) & (labels != 255), eight)
    roi = labels != 255
    small = [k for k in range(1, n_gt + 1) if np.sum(gt_ids == k) < min_gt]
    for k in small:
        roi &= gt_ids != k
    gts = [(gt_ids == k) & roi for k in range(1, n_gt + 1) if k not in small]
    preds = [(pred_ids == p) & roi for p in range(1, n_pred + 1)
             if np.sum(pred_ids == p) >= min_pred and np.any((pred_ids == p) & roi)]
    anomaly = np.any(gts, 0) if gts else np.zeros_like(roi)
    predicted = np.any(preds, 0) if preds else np.zeros_like(roi)
    siou_gt = []
    for g in gts:
        touching = [p for p in preds if np.any(p & g)]
        union = np.any(touching, 0) if touching else np.zeros_like(roi)
        siou_gt.append(np.sum(g & union) / (np.sum(g) + np.sum(union & ~anomaly)))
    siou_pred, prec = [], []
    for p in preds:
        touching = [g for g in gts if np.any(p & g)]
        union = np.any(touching, 0) if touching else np.zeros_like(roi)
        siou_pred.append(np.sum(p & anomaly) / (np.sum(p) + np.sum(union & ~predicted)))
        prec.append(np.sum(p & anomaly) / np.sum(p))
    return dict(sIoU_gt=siou_gt, sIoU_pred=siou_pred, prec_pred=prec)


@SETTINGS
@given(st.integers(2, 24), st.integers(2, 24), st.data())
def test_components_equal_brute_force(height, width, data):
    labels = data.draw(hnp.arrays(np.uint8, (height, width),
                                  elements=st.sampled_from([0, 0, 1, 1, 255])))
    scores = data.draw(hnp.arrays(np.float32, (height, width),
                                  elements=st.sampled_from([0.0, 0.2, 0.5, 0.7, 1.0])))
    threshold = data.draw(st.sampled_from([0.0, 0.3, 0.6]))
    min_pred, min_gt = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    got = frame_components(scores, labels, threshold, min_pred, min_gt)
    want = reference_components(scores, labels, threshold, min_pred, min_gt)
    for key in want:
        assert len(got[key]) == len(want[key]), key  # component counts exactly
        assert np.allclose(np.sort(got[key]), np.sort(want[key]), rtol=0, atol=1e-12), key
    pooled = component_metrics([got])
    assert pooled['n_gt_components'] == len(want['sIoU_gt'])
    assert pooled['n_pred_components'] == len(want['sIoU_pred'])


def test_frames_repeating_scores_stay_exact_while_their_union_fits():
    """Found by the property above: two frames of the same 30 scores (60 > 40 counted frame by
    frame, 30 distinct) went to buckets when added one after the other but stayed exact when
    merged from two processes. Exactness depends on the union only."""
    values = np.array([-6.2e252, -3.1e16, -5.1e-299, 0.0, 0.02, 1.0, 3.1e16] +
                      list(range(2, 25)), np.float64).reshape(5, 6)
    labels = np.zeros(values.shape, np.uint8)
    labels[0, :3] = 1
    whole = ScoreCounts(max_distinct=40, max_buckets=256)
    whole.update(values, labels).update(values[::-1], labels[::-1])
    parts = [ScoreCounts(max_distinct=40, max_buckets=256).update(values, labels),
             ScoreCounts(max_distinct=40, max_buckets=256).update(values[::-1], labels[::-1])]
    merged = parts[0].merge(parts[1])
    assert whole.dropped_bits == merged.dropped_bits == 0
    for a, b in zip(whole.table(), merged.table()):
        assert np.array_equal(a, b)
    assert whole.table()[0].size == 30


def test_a_merge_past_max_distinct_moves_to_buckets_at_once():
    """Also found above: two exact parts of 30 distinct scores each (50 together) merged into
    an exact table over max_distinct (40), which moved to buckets only when next compacted."""
    labels = np.zeros((5, 6), np.uint8)
    a = ScoreCounts(max_distinct=40, max_buckets=256).update(
        np.arange(30, dtype=np.float64).reshape(5, 6), labels)
    b = ScoreCounts(max_distinct=40, max_buckets=256).update(
        np.arange(20, 50, dtype=np.float64).reshape(5, 6), labels)
    whole = ScoreCounts(max_distinct=40, max_buckets=256)
    whole.update(np.arange(30, dtype=np.float64).reshape(5, 6), labels)
    whole.update(np.arange(20, 50, dtype=np.float64).reshape(5, 6), labels)
    merged = a.merge(b)
    assert merged.dropped_bits == whole.dropped_bits > 0
