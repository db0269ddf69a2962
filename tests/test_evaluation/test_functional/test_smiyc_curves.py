import numpy as np
import pytest

from anomseg.evaluation.functional import frame_bins, merge_frame_bins, smiyc_curve_metrics


def test_uniform_bins_by_hand():
    # 4 bins over [0, 1]: [0, .25) [.25, .5) [.5, .75) [.75, 1]
    scores = np.array([0.9, 0.8, 0.6, 0.3, 0.1, 0.55])
    labels = np.array([1, 0, 1, 0, 0, 255])
    f = frame_bins(scores, labels, num_bins=4, strategy='uniform')
    assert f['thresholds'].tolist() == [0.75, 0.5, 0.25, 0.0]
    assert f['tp'].tolist() == [1, 1, 0, 0] and f['fp'].tolist() == [1, 0, 1, 1]
    m = smiyc_curve_metrics(*merge_frame_bins([f], strategy='uniform'))
    # points: start (0,0); t=.75: tp1 fp1; t=.5: tp2 fp1; t=.25: tp2 fp2; t=0: tp2 fp3
    assert m['AP'] == pytest.approx(0.5 * 0.5 + 0.5 * 2 / 3)
    # ROC (0,0) (1/3,.5) (1/3,1) (2/3,1) (1,1): trapezoids 1/3 * .25 + 0 + 1/3 + 1/3
    assert m["AUROC"] == pytest.approx(1 / 3 * 0.25 + 2 / 3)
    assert m['FPR95'] == pytest.approx(1 / 3) and m['FPR95_threshold'] == 0.5
    assert m['best_F1'] == pytest.approx(2 * 2 / (2 * 2 + 1)) and m['best_F1_threshold'] == 0.5


def test_percentile_bins_of_two_frames_merge_by_threshold():
    rng = np.random.default_rng(0)
    frames = []
    for _ in range(2):
        labels = rng.integers(0, 2, (30, 30))
        frames.append(frame_bins(rng.random((30, 30)) * 0.5 + 0.5 * labels, labels, num_bins=16))
        assert len(frames[-1]['thresholds']) <= 16 + 1
    thresholds, tp, fp, n_pos, n_neg = merge_frame_bins(frames)
    assert np.all(np.diff(thresholds) <= 0)
    assert tp[-1] == n_pos and fp[-1] == n_neg  # every pixel lies in [0, 1]
    m = smiyc_curve_metrics(thresholds, tp, fp, n_pos, n_neg)
    assert 0.9 < m['AUROC'] <= 1 and 0 <= m['FPR95'] <= 1


def test_uniform_bins_accept_float16_maps():
    scores = np.array([0.9, 0.8, 0.6, 0.3], np.float16)
    labels = np.array([1, 0, 1, 0])
    half = frame_bins(scores, labels, strategy='uniform')
    wide = frame_bins(scores.astype(np.float32), labels, strategy='uniform')
    assert half['tp'].tolist() == wide['tp'].tolist() and half['fp'].tolist() == wide['fp'].tolist()


def official_frame_bins(scores, labels, strategy):
    """The official procedure written plainly: np.quantile edges, np.histogram counts."""
    pos = scores[labels == 1]
    neg = scores[labels == 0]
    if strategy == 'uniform':
        pos, neg = pos.astype(np.promote_types(pos.dtype, np.float32)), neg.astype(
            np.promote_types(neg.dtype, np.float32))
        bins, value_range = 4096, (0, 1)
    else:
        edges = [np.array([0, 1])] + [np.quantile(p, np.linspace(0, 1, min(384, p.size)))
                                      for p in (pos, neg) if p.size]
        bins, value_range = np.unique(np.concatenate(edges)), None
    tp, edges = np.histogram(pos, bins=bins, range=value_range)
    fp, _ = np.histogram(neg, bins=bins, range=value_range)
    return edges[:-1][::-1], tp[::-1], fp[::-1]


@pytest.mark.parametrize('dtype', [np.float16, np.float32, np.float64])
@pytest.mark.parametrize('strategy', ['percentiles', 'uniform'])
def test_bins_from_sorted_scores_equal_quantile_and_histogram(dtype, strategy):
    rng = np.random.default_rng(11)
    for trial in range(40):
        shape = tuple(rng.integers(1, 50, 2))
        labels = rng.choice([0, 1, 255], shape, p=[0.6, 0.3, 0.1])
        scores = rng.random(shape).astype(dtype)
        if trial % 3 == 0:  # heavy ties, and the ends of [0, 1] themselves
            scores = (np.round(scores * 4) / 4).astype(dtype)
        got = frame_bins(scores, labels, strategy=strategy)
        want = official_frame_bins(scores, labels, strategy)
        assert np.array_equal(got['thresholds'], want[0])
        assert np.array_equal(got['tp'], want[1]) and np.array_equal(got['fp'], want[2])


def test_sorted_quantile_is_numpys_bit_for_bit():
    from anomseg.evaluation.functional import sorted_quantile
    rng = np.random.default_rng(12)
    for trial in range(300):
        dtype = (np.float16, np.float32, np.float64)[trial % 3]
        values = (rng.random(int(rng.integers(1, 2000))) * 10 ** rng.uniform(-3, 2)).astype(dtype)
        levels = np.linspace(0, 1, min(384, values.size))
        want = np.quantile(values, levels)
        got = sorted_quantile(np.sort(values), levels)
        assert got.dtype == want.dtype and np.array_equal(got.view(np.uint8), want.view(np.uint8))


def whole_curve_metrics(thresholds, tp, fp, num_pos, num_neg):
    """The official curve written plainly over every point at once (float64 counts)."""
    tp, fp = np.asarray(tp, np.float64), np.asarray(fp, np.float64)
    keep = [0] + [i for i in range(len(thresholds) - 1) if thresholds[i] != thresholds[i + 1]]
    keep.append(len(thresholds) - 1)
    tp, fp, thresholds = tp[keep], fp[keep], np.asarray(thresholds)[keep]
    if tp[0] or fp[0]:
        tp, fp, thresholds = np.r_[0., tp], np.r_[0., fp], np.r_[1., thresholds]
    if tp[-1] != num_pos or fp[-1] != num_neg:
        tp, fp, thresholds = np.r_[tp, num_pos], np.r_[fp, num_neg], np.r_[thresholds, 0.]
    tpr, fpr = tp / num_pos, fp / num_neg
    precision = np.array([t / (t + f) if t + f else 1.0 for t, f in zip(tp, fp)])
    f1 = 2 * tp / (2 * tp + fp + (num_pos - tp))
    i95 = next((i for i, r in enumerate(tpr) if r >= 0.95), None)
    best = int(np.argmax(f1))
    return dict(AP=sum((tpr[i] - tpr[i - 1]) * precision[i] for i in range(1, len(tp))),
                AUROC=sum((fpr[i] - fpr[i - 1]) * (tpr[i] + tpr[i - 1]) / 2
                          for i in range(1, len(tp))),
                FPR95=1.0 if i95 is None else fpr[i95],
                FPR95_threshold=0.0 if i95 is None else thresholds[i95],
                best_F1=f1[best], best_F1_threshold=thresholds[best])


@pytest.mark.parametrize('chunk', [1, 2, 3, 7, 1 << 18])
def test_curve_metrics_in_chunks_equal_the_whole_curve(chunk):
    rng = np.random.default_rng(5)
    for trial in range(30):
        frames = []
        for _ in range(int(rng.integers(1, 4))):
            shape = tuple(rng.integers(1, 20, 2))
            labels = rng.choice([0, 1, 255], shape, p=[0.6, 0.3, 0.1])
            scores = rng.random(shape) * (1.2 if trial % 5 == 0 else 1)  # some outside [0, 1]
            if trial % 3 == 0:  # ties within and across frames
                scores = np.round(scores * 4) / 4
            frames.append(frame_bins(scores, labels, num_bins=8))
        merged = merge_frame_bins(frames)
        if merged[3] == 0 or merged[4] == 0:
            continue
        assert merged[1].dtype == merged[2].dtype == np.int64
        got = smiyc_curve_metrics(*merged, chunk=chunk)
        want = whole_curve_metrics(*merged)
        for key in ('AP', 'AUROC'):
            assert got[key] == pytest.approx(want[key], abs=1e-12), key
        for key in ('FPR95', 'FPR95_threshold', 'best_F1', 'best_F1_threshold'):
            assert got[key] == want[key], key


def test_uniform_merge_sums_the_frames_counts():
    rng = np.random.default_rng(6)
    frames = [frame_bins(rng.random((9, 9)), rng.integers(0, 2, (9, 9)), num_bins=8,
                         strategy='uniform') for _ in range(3)]
    thresholds, tp, fp, _, _ = merge_frame_bins(frames, 'uniform')
    assert np.array_equal(tp, np.cumsum(sum(f['tp'] for f in frames)))
    assert np.array_equal(fp, np.cumsum(sum(f['fp'] for f in frames)))
    assert np.array_equal(thresholds, frames[0]['thresholds'])


def test_curve_metrics_memory_is_the_point_index_not_the_curve():
    # 2,000 frames of 768 bins make 1.5 M points; the metrics hold an index of the curve's
    # points (8 bytes each, transiently twice) and one chunk of derived arrays
    import tracemalloc
    rng = np.random.default_rng(7)
    n = 400_000
    thresholds = np.sort(rng.random(n))[::-1].copy()
    tp, fp = np.cumsum(rng.integers(0, 3, n)), np.cumsum(rng.integers(0, 3, n))
    tracemalloc.start()
    try:
        smiyc_curve_metrics(thresholds, tp, fp, int(tp[-1]), int(fp[-1]), chunk=1 << 14)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * n, peak / n
