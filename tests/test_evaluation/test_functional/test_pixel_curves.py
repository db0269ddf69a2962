import numpy as np
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from anomseg.evaluation.functional import ScoreCounts, best_f1, curve_metrics


def metrics_of(frames):
    counts = ScoreCounts()
    for scores, labels in frames:
        counts.update(scores, labels)
    return curve_metrics(counts)


def fpr95_reference(scores, labels):
    """Sort everything, walk thresholds from the top; first one reaching TPR >= 0.95."""
    order = np.argsort(-scores, kind='stable')
    s, y = scores[order], labels[order]
    n_pos, n_neg = (y == 1).sum(), (y == 0).sum()
    tp = fp = 0
    i = 0
    while i < len(s):
        j = i
        while j < len(s) and s[j] == s[i]:  # all pixels tied at this threshold
            tp += y[j] == 1
            fp += y[j] == 0
            j += 1
        if tp / n_pos >= 0.95:
            return fp / n_neg
        i = j
    raise AssertionError('unreachable: the lowest threshold has TPR 1')


def test_by_hand():
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    labels = np.array([1, 0, 1, 0])
    m = metrics_of([(scores, labels)])
    # thresholds 0.9/0.8/0.7/0.6: precision 1, 1/2, 2/3, 1/2 at recall 1/2, 1/2, 1, 1
    assert m['AP'] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    # ROC points (0,0) (0,.5) (.5,.5) (.5,1) (1,1)
    assert m['AUROC'] == pytest.approx(0.75)
    assert m['FPR95'] == pytest.approx(0.5)
    assert m['FPR95_interp'] == pytest.approx(0.5)


def test_interpolated_fpr95_by_hand():
    # 20 anomaly pixels, 10 inlier: 18 anomalies score 1.0, then 2 anomalies + 10 inliers at 0.
    scores = np.array([1.0] * 18 + [0.0] * 12)
    labels = np.array([1] * 20 + [0] * 10)
    m = metrics_of([(scores, labels)])
    assert m['FPR95'] == 1.0  # TPR 0.9 at t=1, the next threshold already has FPR 1
    # between (FPR 0, TPR 0.9) and (1, 1): FPR = (0.95 - 0.9) / 0.1 = 0.5
    assert m['FPR95_interp'] == pytest.approx(0.5)


@pytest.mark.parametrize('levels', [None, 11, 3])
def test_streaming_matches_sort_everything_references(levels):
    rng = np.random.default_rng(0)
    frames = []
    for _ in range(6):
        labels = rng.choice([0, 1, 255], size=(40, 50), p=[0.75, 0.2, 0.05])
        scores = rng.normal(size=labels.shape) + 1.2 * (labels == 1)
        if levels:  # heavy ties
            scores = np.round((scores - scores.min()) / np.ptp(scores) * (levels - 1))
        frames.append((scores.astype(np.float32), labels))
    m = metrics_of(frames)
    s = np.concatenate([f[0][f[1] != 255] for f in frames]).astype(np.float64)
    y = np.concatenate([f[1][f[1] != 255] for f in frames])
    assert m['AP'] == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert m['AUROC'] == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert m['FPR95'] == pytest.approx(fpr95_reference(s, y), abs=1e-12)
    assert m['num_anomaly_pixels'] == (y == 1).sum()
    assert m['num_inlier_pixels'] == (y == 0).sum()


def test_frame_order_and_merge_do_not_matter():
    rng = np.random.default_rng(1)
    frames = [(rng.random((8, 8)).round(2), rng.integers(0, 2, (8, 8))) for _ in range(9)]
    whole = metrics_of(frames)
    a, b = ScoreCounts(), ScoreCounts()
    for i, (s, y) in enumerate(frames[::-1]):
        (a if i % 2 else b).update(s, y)
    assert curve_metrics(a.merge(b)) == whole


def test_frames_without_anomaly_and_all_void_frames():
    rng = np.random.default_rng(2)
    base = [(rng.random((10, 10)), rng.integers(0, 2, (10, 10)))]
    inlier_only = (rng.random((10, 10)), np.zeros((10, 10), int))
    all_void = (rng.random((10, 10)), np.full((10, 10), 255))
    with_extra = metrics_of(base + [inlier_only, all_void])
    s = np.concatenate([base[0][0].ravel(), inlier_only[0].ravel()])
    y = np.concatenate([base[0][1].ravel(), inlier_only[1].ravel()])
    assert with_extra['AP'] == pytest.approx(average_precision_score(y, s))
    assert with_extra['AUROC'] == pytest.approx(roc_auc_score(y, s))


def test_constant_scores():
    labels = np.array([1, 0, 0, 1, 0])
    m = metrics_of([(np.full(5, 0.3), labels)])
    assert m['AP'] == pytest.approx(2 / 5)  # one threshold: precision = prevalence
    assert m['AUROC'] == pytest.approx(0.5)
    assert m['FPR95'] == 1.0


def test_undefined_metrics_are_nan():
    no_anomaly = metrics_of([(np.array([0.1, 0.2]), np.array([0, 0]))])
    assert np.isnan(no_anomaly['AP']) and np.isnan(no_anomaly['FPR95'])
    no_inlier = metrics_of([(np.array([0.1, 0.2]), np.array([1, 1]))])
    assert no_inlier['AP'] == 1.0 and np.isnan(no_inlier['AUROC'])
    empty = curve_metrics(ScoreCounts())
    assert np.isnan(empty['AP']) and empty['num_anomaly_pixels'] == 0


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match='do not match'):
        ScoreCounts().update(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match='NaN'):
        ScoreCounts().update(np.array([np.nan, 0.0]), np.array([0, 1]))


def test_float16_bit_pattern_counting_equals_the_general_path():
    rng = np.random.default_rng(5)
    labels = rng.choice([0, 1, 255], (50, 70), p=[0.7, 0.25, 0.05])
    scores = rng.normal(size=(50, 70)).astype(np.float16)
    scores[0, :5] = [0.0, -0.0, 0.0, -0.0, 0.0]  # two bit patterns, one value
    half = metrics_of([(scores, labels)])
    wide = metrics_of([(scores.astype(np.float32), labels)])
    assert half == wide
    s, y = scores[labels != 255].astype(np.float64), labels[labels != 255]
    assert half['AP'] == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert half['FPR95'] == pytest.approx(fpr95_reference(s, y), abs=1e-12)


def test_curves_and_frame_summary_against_sklearn_and_numpy():
    from sklearn.metrics import average_precision_score, precision_recall_curve, roc_curve

    from anomseg.evaluation.functional import curves, frame_summary, split_sorted
    rng = np.random.default_rng(7)
    scores = np.round(rng.random((20, 30)), 2)
    labels = (rng.random((20, 30)) < 0.2).astype(np.uint8)
    labels[0, :5] = 255
    keep = labels != 255
    y, s = labels[keep], scores[keep]
    c = curves(ScoreCounts().update(scores, labels))
    fpr, tpr, thr = roc_curve(y, s, drop_intermediate=False)
    assert np.allclose(c['threshold'], thr[1:]) and np.allclose(c['fpr'], fpr[1:])
    assert np.allclose(c['recall'], tpr[1:])
    prec, rec, thr_pr = precision_recall_curve(y, s)
    assert np.allclose(c['precision'][::-1], prec[:-1]) and np.allclose(c['recall'][::-1],
                                                                        rec[:-1])
    row = frame_summary(*split_sorted(scores, labels))
    assert row['anomaly_pixels'] == (y == 1).sum() and row['inlier_pixels'] == (y == 0).sum()
    assert np.isclose(row['AP'], average_precision_score(y, s))
    assert np.isclose(row['mean_anomaly_score'], s[y == 1].mean())
    none = frame_summary(*split_sorted(scores, np.zeros_like(labels)))
    assert np.isnan(none['AP']) and np.isnan(none['mean_anomaly_score'])


def sort_everything(frames):
    """AP / AUROC / FPR95 of all pixels at once (sklearn and the walk above)."""
    s = np.concatenate([f[0][np.isin(f[1], (0, 1))] for f in frames]).astype(np.float64)
    y = np.concatenate([f[1][np.isin(f[1], (0, 1))] for f in frames])
    return dict(AP=average_precision_score(y, s), AUROC=roc_auc_score(y, s),
                FPR95=fpr95_reference(s, y))


def continuous_frames(seed, n=4, shape=(60, 80), dtype=np.float32):
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(n):
        labels = rng.choice([0, 1, 255], size=shape, p=[0.7, 0.25, 0.05])
        logit = rng.normal(size=shape) + 1.5 * (labels == 1)
        frames.append(((1 / (1 + np.exp(-logit))).astype(dtype), labels))
    return frames


def test_exact_while_the_distinct_scores_fit():
    frames = continuous_frames(3)
    counts = ScoreCounts(max_distinct=4 * 60 * 80)
    for s, y in frames:
        counts.update(s, y)
    assert counts.dropped_bits == 0
    m, ref = curve_metrics(counts), sort_everything(frames)
    for key in ('AP', 'AUROC', 'FPR95'):
        assert m[key] == pytest.approx(ref[key], abs=1e-12), key


def test_frames_sharing_scores_stay_exact_up_to_the_union_limit():
    """Frames drawn from one pool of 300 scores: their sizes sum far past max_distinct, their
    union does not; the table is the brute-force count of every pixel, exact to the limit, and
    moves to buckets only with the first frame whose scores make the union outgrow it."""
    rng = np.random.default_rng(5)
    pool = np.sort(rng.random(300))
    counts = ScoreCounts(max_distinct=300)
    all_scores, all_labels = [], []
    for _ in range(12):
        scores = rng.choice(pool, size=(20, 20)).astype(np.float64)
        labels = (rng.random((20, 20)) < scores).astype(np.uint8)
        labels[0, :3] = 255
        counts.update(scores, labels)
        all_scores.append(scores.ravel())
        all_labels.append(labels.ravel())
    assert counts.dropped_bits == 0 and counts._dense is None
    s, y = np.concatenate(all_scores), np.concatenate(all_labels)
    values, pos, neg = counts.table()
    want = np.unique(s[y != 255])
    assert np.array_equal(values, want)
    assert np.array_equal(pos, [np.sum((s == v) & (y == 1)) for v in want])
    assert np.array_equal(neg, [np.sum((s == v) & (y == 0)) for v in want])
    counts.update(np.array([[2.0, 3.0]]), np.array([[1, 0]]))  # the union now exceeds 300
    assert counts._dense is not None
    assert counts.totals() == (int((y == 1).sum()) + 1, int((y == 0).sum()) + 1)


@pytest.mark.parametrize('max_buckets,tolerance', [(1 << 12, 1e-3), (1 << 16, 1e-4),
                                                   (1 << 22, 1e-5)])
def test_buckets_beyond_max_distinct_only_tie_neighbouring_scores(max_buckets, tolerance):
    frames = continuous_frames(4, n=6)
    counts = ScoreCounts(max_distinct=1000, max_buckets=max_buckets)
    for s, y in frames:
        counts.update(s, y)
    assert counts.dropped_bits > 0
    values, pos, neg = counts.table()
    assert values.size <= max_buckets and np.all(np.diff(values) > 0)
    assert pos.sum() + neg.sum() == sum(np.isin(y, (0, 1)).sum() for _, y in frames)
    # each bucket covers 2**(dropped_bits - 52) of its scores' magnitude at most
    s = np.concatenate([f[0][np.isin(f[1], (0, 1))] for f in frames]).astype(np.float64)
    bucket_low = values[np.searchsorted(values, s, 'right') - 1]
    assert np.all(bucket_low <= s)
    assert np.all(s - bucket_low <= np.abs(s) * 2.0 ** (counts.dropped_bits - 52) * 2)
    # AUROC moves at most by the pairs a bucket ties: sum_b pos_b neg_b / (2 P N)
    m, ref = curve_metrics(counts), sort_everything(frames)
    bound = np.sum(pos * neg) / (2 * pos.sum() * neg.sum())
    assert abs(m['AUROC'] - ref['AUROC']) <= bound + 1e-12
    for key in ('AP', 'AUROC', 'FPR95'):
        assert m[key] == pytest.approx(ref[key], abs=tolerance), key


def test_buckets_do_not_depend_on_frame_order_or_on_merging():
    frames = continuous_frames(5, n=6)
    whole = ScoreCounts(max_distinct=500, max_buckets=1 << 10)
    for s, y in frames:
        whole.update(s, y)
    a = ScoreCounts(max_distinct=500, max_buckets=1 << 10)
    b = ScoreCounts(max_distinct=100000, max_buckets=1 << 10)  # stays exact until merged
    for i, (s, y) in enumerate(frames[::-1]):
        (a if i % 2 else b).update(s, y)
    assert b.dropped_bits == 0 and a.dropped_bits > 0
    merged = a.merge(b)
    assert merged.dropped_bits == whole.dropped_bits
    for x, y in zip(merged.table(), whole.table()):
        assert np.array_equal(x, y)


def test_negative_zero_and_negative_scores_keep_their_order():
    scores = np.array([-2.5, -0.0, 0.0, 1e-30, -1e-30, 3.0])
    labels = np.array([0, 1, 0, 1, 0, 1])
    values, pos, neg = ScoreCounts().update(scores, labels).table()
    assert values.tolist() == [-2.5, -1e-30, 0.0, 1e-30, 3.0]
    assert pos.tolist() == [0, 0, 1, 1, 1] and neg.tolist() == [1, 1, 1, 0, 0]


def test_buckets_are_the_scores_float64_keys_without_their_low_bits():
    """Against counting key(s) >> dropped_bits directly, the key being the float64 bit pattern
    made increasing (sign bit flipped for s >= 0, all bits for s < 0)."""
    rng = np.random.default_rng(8)
    for trial in range(60):
        counts = ScoreCounts(max_distinct=int(rng.choice([10, 100])),
                             max_buckets=int(rng.choice([64, 256, 4096])))
        scores, labels = [], []
        for _ in range(int(rng.integers(1, 6))):
            n = int(rng.integers(1, 300))
            s = [rng.random(n) * 10 ** rng.uniform(-5, 3) * rng.choice([-1, 1], n),
                 rng.integers(0, 200, n).astype(np.float64), rng.random(n).astype(np.float32),
                 rng.normal(size=n).astype(np.float16)][trial % 4]
            y = rng.integers(0, 2, n)
            counts.update(s, y)
            scores.append(s.astype(np.float64))
            labels.append(y)
        s, y = np.concatenate(scores), np.concatenate(labels)
        bits = (s + 0.0).view(np.uint64)
        keys = np.where(bits >> 63 == 1, ~bits, bits | (1 << 63)) >> np.uint64(counts.dropped_bits)
        buckets, inverse = np.unique(keys, return_inverse=True)
        values, pos, neg = counts.table()
        assert np.array_equal(pos, np.bincount(inverse, y == 1, buckets.size))
        assert np.array_equal(neg, np.bincount(inverse, y == 0, buckets.size))
        low = buckets << np.uint64(counts.dropped_bits)  # each bucket's lowest key
        expected = np.where(low >> 63 == 1, low & ~np.uint64(1 << 63), ~low).view(np.float64)
        assert np.array_equal(values, expected)


def test_frame_summary_equals_the_curve_of_the_frame_alone():
    from anomseg.evaluation.functional import curve_metrics, frame_summary, split_sorted
    rng = np.random.default_rng(11)
    for trial in range(60):
        shape = (int(rng.integers(1, 12)), int(rng.integers(1, 12)))
        scores = np.round(rng.normal(size=shape), int(rng.integers(0, 3)))    # ties
        labels = rng.choice([0, 1, 255], size=shape, p=[0.6, 0.3, 0.1]).astype(np.uint8)
        row = frame_summary(*split_sorted(scores, labels))
        ref = curve_metrics(ScoreCounts().update(scores, labels))
        for key in ('AP', 'FPR95'):
            assert (np.isnan(row[key]) and np.isnan(ref[key])) or \
                row[key] == pytest.approx(ref[key], abs=1e-12), (trial, key)
        assert row['anomaly_pixels'] == ref['num_anomaly_pixels']
        assert row['inlier_pixels'] == ref['num_inlier_pixels']


def test_float16_maps_sort_as_numpy_sorts_them():
    from anomseg.evaluation.functional import split_sorted
    rng = np.random.default_rng(3)
    scores = rng.normal(scale=1e3, size=(50, 60)).astype(np.float16)
    scores[0, :4] = [-0.0, 0.0, np.inf, -np.inf]
    scores[1, :3] = [np.finfo(np.float16).tiny, -np.finfo(np.float16).tiny, 65504]
    labels = rng.choice([0, 1, 255], size=scores.shape).astype(np.uint8)
    labels[0, :4] = 7                                  # the infinities are void here
    pos, neg = split_sorted(scores, labels)
    assert pos.dtype == neg.dtype == np.float16
    assert np.array_equal(pos, np.sort(scores[labels == 1]))
    assert np.array_equal(neg, np.sort(scores[labels == 0]))
    labels[0, 2] = 0
    with pytest.raises(ValueError, match='NaN or infinity'):
        split_sorted(scores, labels)


def test_best_f1_against_every_threshold():
    rng = np.random.default_rng(3)
    for _ in range(20):
        scores = rng.integers(0, 40, (2, 30)).astype(np.float32) / 8
        labels = (rng.random((2, 30)) < 0.3).astype(np.uint8)
        labels[rng.random((2, 30)) < 0.1] = 255
        counts = ScoreCounts()
        counts.update(scores, labels)
        valid = labels != 255
        s, y = scores[valid], labels[valid] == 1
        if not y.any():
            assert np.isnan(best_f1(counts)[0])
            continue
        f1s = {float(t): 2 * np.sum(y & (s >= t)) / (np.sum(s >= t) + y.sum()) for t in set(s)}
        best = max(f1s.values())
        f1, threshold = best_f1(counts)
        assert f1 == pytest.approx(best)
        assert f1s[threshold] == pytest.approx(best)
