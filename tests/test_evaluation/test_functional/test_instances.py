"""OoDIS instance AP on cases worked out by hand with the Cityscapes rules."""
import numpy as np
import pytest

from anomseg.evaluation.functional import (MIN_REGION_PX, OVERLAPS, frame_instance_stats,
                                           instance_ap, instances_from_queries,
                                           instances_from_scores)


def frame(gt, void, masks, confidences):
    return frame_instance_stats(gt, void, np.array(masks, bool), confidences)


def canvas():
    return np.zeros((20, 20), np.int32), np.zeros((20, 20), bool)


def test_perfect_prediction_has_ap_one():
    gt, void = canvas()
    gt[2:6, 2:7] = 1000
    out = instance_ap([frame(gt, void, [gt == 1000], [0.9])])
    assert out['AP'] == pytest.approx(1.0) and out['AP50'] == pytest.approx(1.0)


def test_iou_must_exceed_each_threshold():
    gt, void = canvas()
    gt[0:10, 0:10] = 1000                         # 100 px
    pred = np.zeros((20, 20), bool)
    pred[0:6, 0:10] = True                        # 60 px inside: IoU 0.6
    out = instance_ap([frame(gt, void, [pred], [0.7])])
    # matched at t = 0.50, 0.55 (AP 1); at t >= 0.6 one false negative and one false positive
    assert out['AP_per_overlap'][:3] == pytest.approx([1.0, 1.0, 0.0])
    assert out['AP'] == pytest.approx(0.2) and out['AP50'] == pytest.approx(1.0)


def test_duplicates_and_a_missed_instance():
    gt, void = canvas()
    gt[0:10, 0:10] = 1000
    gt[12:20, 12:20] = 1001                       # never found
    a = gt == 1000
    out = instance_ap([frame(gt, void, [a, a], [0.8, 0.9])])
    # t = 0.5: scores ascending .8 (FP, the duplicate) .9 (TP), one hard FN;
    # points: t=.8: tp 1 fp 1 -> P .5 R .5; t=.9: tp 1 fp 0 -> P 1 R .5; end: P 1 R 0
    # widths from recalls [.5, .5, 0] padded [.5, .5, .5, 0, 0]: [0, .25, .25] -> AP .5
    assert out['AP50'] == pytest.approx(0.5)


def test_void_groups_and_small_instances_are_not_false_positives():
    gt, void = canvas()
    gt[0:10, 0:10] = 1000
    void[15:20, :] = True
    gt[12:14, 0:2] = 1001                         # 4 px: below the 10 px minimum
    gt[12:14, 10:20] = 7                          # a group region (id < 1000)
    on_void = np.zeros((20, 20), bool)
    on_void[14:20, 0:5] = True                    # 30 px, 25 on void: ignored
    half_void = np.zeros((20, 20), bool)
    half_void[14:16, 10:20] = True                # 20 px, 10 on void: 50% is not > 50%
    on_small = gt == 1001                         # IoU 1 with a small instance: not counted
    on_group = np.zeros((20, 20), bool)
    on_group[12:14, 10:15] = True                 # IoU 0.5 with the group: not > 0.5
    preds = [gt == 1000, on_void, half_void, on_small, on_group]
    out = instance_ap([frame(gt, void, preds, [0.9, 0.8, 0.7, 0.6, 0.5])])
    # t = 0.5: TP .9; on_void ignored (25/30 > .5); half_void FP .7 (10/20 = .5);
    # on_small matched a (left-out) instance; on_group: 10/10 of its pixels on the group -> ignored
    # scores ascending .7 (F) .9 (T): P [.5, 1, 1], R [1, 1, 0] -> AP 1
    assert out['AP50'] == pytest.approx(1.0)
    # at t = 0.55, half_void's 50% void share is not > 0.55 either: still a false positive
    assert out['AP_per_overlap'][1] == pytest.approx(1.0)


def test_no_ground_truth_is_nan_and_no_prediction_is_zero():
    gt, void = canvas()
    assert np.isnan(instance_ap([frame(gt, void, [gt == 0], [0.5])])['AP'])
    gt[0:5, 0:5] = 1000
    assert instance_ap([frame(gt, void, np.zeros((0, 20, 20)), [])])['AP'] == 0.0
    void[10:20, 10:20] = True
    # a prediction all on void is neither a true nor a false positive: the instance is missed
    out = instance_ap([frame(gt, void, [void], [0.5])])
    assert out['AP_per_overlap'] == [0.0] * len(OVERLAPS)


def test_instances_from_scores_and_queries():
    scores = np.zeros((10, 12))
    scores[1:3, 1:3] = 0.8
    scores[6:9, 6:10] = [[0.6, 0.7, 0.8, 0.9]] * 3
    ids, conf = instances_from_scores(scores, 0.5)
    assert ids.max() == 2 and conf.tolist() == pytest.approx([0.8, 0.75])
    logits = np.full((3, 10, 12), -1.0)
    logits[0, 1:3, 1:3] = 1.0
    logits[1, 6:9, 6:8] = 1.0
    masks, qconf = instances_from_queries(logits, scores, min_confidence=0.7)
    # query 1: 0.65 (below 0.7), query 2: empty
    assert len(masks) == 1 and qconf.tolist() == pytest.approx([0.8])
    gt = np.zeros((10, 12), np.int32)
    gt[1:3, 1:3] = 1000
    stats = frame_instance_stats(gt, np.zeros((10, 12), bool), ids, conf)
    assert stats['matches'] == []  # 4 pixels: under MIN_REGION_PX, left out
    assert stats['fp_from'].tolist() == [len(OVERLAPS), 0]  # on it: never; elsewhere: from 0.5
    gt[4:9, 0:4] = 1001                           # 20 pixels, all in the second prediction (32)
    ids[4:9, 0:4] = 2
    stats = frame_instance_stats(gt, np.zeros((10, 12), bool), ids, conf)
    (ious, confidences), = stats['matches']
    assert ious.tolist() == [20 / 32] and confidences.tolist() == pytest.approx([0.75])
    assert stats['fp_from'].tolist() == [len(OVERLAPS), 3]  # unmatched from 0.65 (> 0.625) on


def reference_ap(frames, t, min_region=MIN_REGION_PX):
    """The module's rules at overlap t, mask by mask: frames of (gt ids, void, masks,
    confidences)."""
    y_true, y_score, hard_fns, have_gt, have_pred = [], [], 0, False, False
    for gt, void, masks, conf in frames:
        conf = [c for m, c in zip(masks, conf) if m.any()]  # empty predictions are skipped
        masks = [m for m in masks if m.any()]
        regions = [r for r in np.unique(gt) if r > 0]
        have_pred |= bool(masks)
        matched_any = [False] * len(masks)
        for r in regions:
            region = gt == r
            for i, m in enumerate(masks):
                inter = np.sum(region & m)
                if inter and inter / np.sum(region | m) > t:
                    matched_any[i] = True
        for r in regions:
            region = gt == r
            if r < 1000 or region.sum() < min_region:
                continue
            have_gt = True
            hits = [conf[i] for i, m in enumerate(masks)
                    if np.sum(region & m) and np.sum(region & m) / np.sum(region | m) > t]
            if not hits:
                hard_fns += 1
                continue
            best = hits[0]
            for c in hits[1:]:
                y_true.append(0)
                y_score.append(min(best, c))
                best = max(best, c)
            y_true.append(1)
            y_score.append(best)
        for i, m in enumerate(masks):
            if matched_any[i]:
                continue
            ignored = np.sum(m & void)
            for r in regions:
                region = gt == r
                ignored += np.sum(m & region) * ((r < 1000) + (region.sum() < min_region))
            if ignored / m.sum() <= t:
                y_true.append(0)
                y_score.append(conf[i])
    if not have_gt:
        return float('nan')
    if not have_pred:
        return 0.0
    order = np.argsort(y_score)
    y, sc = np.array(y_true, float)[order], np.array(y_score)[order]
    points = []  # (precision, recall) at each distinct confidence, highest last
    for v in np.unique(sc):
        above = sc >= v
        tp = y[above].sum()
        points.append((tp / above.sum(), tp / (y.sum() + hard_fns)))
    precision = [p for p, _ in points] + [1.0]
    recall = [r for _, r in points] + [0.0]
    padded = [recall[0]] + recall + [0.0]
    return sum(p * (padded[i] - padded[i + 2]) / 2 for i, p in enumerate(precision))


def test_instance_ap_equals_the_rules_applied_mask_by_mask():
    """Random frames: instances, a group, a small instance, void, overlapping predictions."""
    rng = np.random.default_rng(11)
    for trial in range(25):
        frames = []
        for _ in range(int(rng.integers(1, 4))):
            gt = np.zeros((24, 30), np.int32)
            for k in range(int(rng.integers(0, 4))):
                y, x = rng.integers(0, 20, 2)
                h, w = rng.integers(1, 8, 2)
                gt[y:y + h, x:x + w] = rng.choice([1000 + k, 5])  # instance or group
            void = rng.random((24, 30)) < 0.05
            masks, conf = [], []
            for _ in range(int(rng.integers(0, 6))):
                y, x = rng.integers(0, 20, 2)
                h, w = rng.integers(1, 9, 2)
                m = np.zeros((24, 30), bool)
                m[y:y + h, x:x + w] = True
                masks.append(m)
                conf.append(float(np.round(rng.random(), 1)))  # ties
            frames.append((gt, void, masks, conf))
        stats = [frame_instance_stats(gt, void, np.array(m, bool).reshape(-1, 24, 30), c)
                 for gt, void, m, c in frames]
        got = instance_ap(stats)['AP_per_overlap']
        want = [reference_ap(frames, t) for t in OVERLAPS]
        assert got == pytest.approx(want, nan_ok=True, abs=1e-12), trial


def test_instance_ap_memory_is_a_few_bytes_per_prediction():
    """A benchmark's frames of noise components are millions of predictions: instance_ap holds
    their scores as arrays (about 29 bytes each at its peak, bounded at 48 to leave room for
    numpy's sorts and versions; a Python number each took 125)."""
    import tracemalloc
    rng = np.random.default_rng(0)
    frames = [dict(overlaps=OVERLAPS, confidences=rng.random(2000),
                   fp_from=rng.integers(0, len(OVERLAPS) + 1, 2000).astype(np.uint8),
                   matches=[(rng.uniform(0.3, 1, 3), rng.random(3))]) for _ in range(100)]
    tracemalloc.start()
    try:
        instance_ap(frames)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 48 * 100 * 2000


def test_unique_ids_equal_numpys():
    from anomseg.evaluation.functional.instances import _unique_ids
    rng = np.random.default_rng(3)
    cases = [rng.choice([0, 7, 1000, 1003, 33999], (40, 50)).astype(np.uint16),
             rng.integers(0, 5, 300).astype(np.int32),
             rng.choice([-1, 2, 9], (6, 7)),                 # negative: numpy's sort
             np.array([5, 1 << 22, 5], np.int64),             # large ids: numpy's sort
             np.zeros((0,), np.int32), np.zeros((3, 3), np.uint8)]
    for values in cases:
        ids, inverse = _unique_ids(values)
        want_ids, want_inverse = np.unique(values, return_inverse=True)
        assert ids.dtype == values.dtype and ids.tolist() == want_ids.tolist()
        assert inverse.shape == values.shape
        assert inverse.ravel().tolist() == want_inverse.ravel().tolist()
