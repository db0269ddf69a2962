"""OoDIS instance AP on cases worked out by hand with the Cityscapes rules."""
import numpy as np
import pytest

from anomseg.evaluation.functional import (frame_instance_stats, instance_ap,
                                           instances_from_queries, instances_from_scores)


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
    assert len(masks) == 1 and qconf.tolist() == pytest.approx([0.8])  # query 1: 0.65, query 2: empty
    gt = np.zeros((10, 12), np.int32)
    gt[1:3, 1:3] = 1000
    stats = frame_instance_stats(gt, np.zeros((10, 12), bool), ids, conf)
    assert stats['inter'].tolist() == [[4, 0]] and stats['pred_sizes'].tolist() == [4, 12]
