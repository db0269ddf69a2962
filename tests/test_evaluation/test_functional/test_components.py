import numpy as np
import pytest

from anomseg.evaluation.functional import component_metrics, frame_components


def canvas():
    labels = np.zeros((20, 30), np.uint8)
    scores = np.zeros((20, 30), np.float32)
    return labels, scores


def test_siou_and_ppv_by_hand():
    labels, scores = canvas()
    labels[2:5, 2:5] = 1           # anomaly A: 9 px
    scores[2:5, 3:7] = 1.0         # prediction: 12 px, 6 on A, 6 on inliers
    labels[10:12, 10:20] = 1       # anomaly B: 20 px, missed
    f = frame_components(scores, labels, 0.5, min_pred_px=1, min_gt_px=1)
    # sIoU(A) = 6 / (9 + 6); sIoU(B) = 0; PPV(p) = 6 / 12; sIoU(p) = 6 / (12 + 3)
    assert sorted(f['sIoU_gt'].tolist()) == pytest.approx([0.0, 6 / 15])
    assert f['prec_pred'].tolist() == pytest.approx([0.5])
    assert f['sIoU_pred'].tolist() == pytest.approx([6 / 15])


def test_prediction_on_another_anomaly_is_not_held_against_it():
    labels, scores = canvas()
    labels[2:5, 2:5] = 1
    labels[2:5, 7:10] = 1          # a second anomaly, not 8-connected to the first
    scores[2:5, 2:10] = 1.0        # one prediction over both and the gap (3 px of inlier)
    f = frame_components(scores, labels, 0.5, min_pred_px=1, min_gt_px=1)
    # each anomaly: 9 / (9 + 6 gap pixels); the other anomaly's 9 px are the adjustment
    assert f['sIoU_gt'].tolist() == pytest.approx([9 / 15, 9 / 15])
    assert f['prec_pred'].tolist() == pytest.approx([18 / 24])


def test_size_filters_void_and_threshold_is_strict():
    labels, scores = canvas()
    labels[0, 0] = 1               # 1-px anomaly: becomes void with min_gt_px=2
    labels[5:8, 5:8] = 1
    labels[15:, :] = 255           # void rows: predictions there do not count
    scores[5:8, 5:8] = 0.5         # equal to the threshold: not predicted
    scores[15:, :] = 1.0
    scores[10, 10] = 1.0           # 1-px prediction: dropped with min_pred_px=2
    f = frame_components(scores, labels, 0.5, min_pred_px=2, min_gt_px=2)
    assert f['sIoU_gt'].tolist() == [0.0] and f['prec_pred'].size == 0


def test_pooled_f1_over_frames():
    frames = [dict(sIoU_gt=np.array([0.3, 0.8]), sIoU_pred=np.array([0.2]),
                   prec_pred=np.array([0.2])),
              dict(sIoU_gt=np.array([0.6]), sIoU_pred=np.array([0.9, 0.1]),
                   prec_pred=np.array([0.9, 0.6]))]
    out = component_metrics(frames)
    assert out['sIoU_gt'] == pytest.approx((0.3 + 0.8 + 0.6) / 3)
    assert out['PPV'] == pytest.approx((0.2 + 0.9 + 0.6) / 3)
    # t = 0.25: TP 3, FN 0, FP 1 (0.2) -> 6/7;  t = 0.5: TP 2, FN 1, FP 1 -> 4/6
    # t = 0.75: TP 1 (0.8), FN 2, FP 2 (0.2, 0.6) -> 2/6
    assert out['F1_25'] == pytest.approx(6 / 7)
    assert out['F1_50'] == pytest.approx(4 / 6)
    assert out['F1_75'] == pytest.approx(2 / 6)
