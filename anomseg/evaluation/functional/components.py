"""Component-level anomaly metrics of SegmentMeIfYouCan (Chan et al., NeurIPS 2021 Datasets and
Benchmarks): adjusted sIoU, positive predictive value and component F1, computed as the official
``SegEval`` does.

Per frame, with labels 0 inlier / 1 anomaly / 255 void and a score threshold t:

1. predicted mask = (score > t) outside void; ground truth = label == 1; components of both by
   8-connectivity;
2. predicted components smaller than ``min_pred_px`` are dropped; ground-truth components smaller
   than ``min_gt_px`` become void;
3. everything below is counted inside the region of interest (label != 255 after step 2).

For a ground-truth component k, with P(k) the predicted components that touch it:

    sIoU(k) = |k ∩ P(k)| / (|k| + |P(k) \\ (all ground-truth anomaly)|)

(the official "adjusted" union: predicted pixels on other anomalies are not held against k). For a
predicted component p, PPV(p) = |p ∩ ground-truth anomaly| / |p|. At each t_s in
linspace(0.25, 0.75, 11): TP = #{k : sIoU(k) >= t_s}, FN = #{k : sIoU(k) < t_s},
FP = #{p : PPV(p) < t_s}, F1 = 2 TP / (2 TP + FN + FP); mean F1 averages the 11. Components are
pooled over all frames before averaging sIoU and PPV, and TP/FN/FP are summed over frames.
Size filters: AnomalyTrack 500 / 100 px, ObstacleTrack and LostAndFound-NoKnown 50 / 10 px.
"""
import numpy as np
from scipy import ndimage

COMPONENT_SIZE_FILTERS = {  # (min predicted component, min ground-truth component) in pixels
    'AnomalyTrack': (500, 100),
    'ObstacleTrack': (50, 10),
    'LostAndFoundNoKnown': (50, 10),
}
SIOU_THRESHOLDS = np.linspace(0.25, 0.75, 11)
_EIGHT = np.ones((3, 3), dtype=np.uint8)


def frame_components(scores, labels, threshold, min_pred_px, min_gt_px):
    """Per-component values of one frame: dict(sIoU_gt, sIoU_pred, prec_pred) as arrays."""
    labels = np.asarray(labels)
    gt_ids, _ = ndimage.label(labels == 1, _EIGHT)
    pred_ids, num_pred = ndimage.label((np.asarray(scores) > threshold) & (labels != 255), _EIGHT)
    sizes = np.bincount(pred_ids.ravel(), minlength=num_pred + 1)
    pred_ids[(sizes < min_pred_px)[pred_ids]] = 0
    gt_sizes = np.bincount(gt_ids.ravel())
    roi = (labels != 255) & ~((gt_sizes < min_gt_px)[gt_ids] & (gt_ids > 0))
    g, p = gt_ids[roi], pred_ids[roi]
    gt_keep, g = np.unique(g, return_inverse=True)  # 0 (no anomaly) first when present
    pred_keep, p = np.unique(p, return_inverse=True)
    # ROI pixels per (gt, pred) pair
    table = np.bincount(g * pred_keep.size + p, minlength=gt_keep.size * pred_keep.size
                        ).reshape(gt_keep.size, pred_keep.size)
    if gt_keep[0] != 0:
        table = np.vstack([np.zeros((1, table.shape[1]), np.int64), table])
    if pred_keep[0] != 0:
        table = np.hstack([np.zeros((table.shape[0], 1), np.int64), table])
    inner = table[1:, 1:]  # anomaly components x predicted components
    touch = inner > 0
    gt_size, pred_size = table[1:].sum(1), table[:, 1:].sum(0)
    gt_hit = inner.sum(1)  # pixels of k covered by some predicted component
    pred_hit = inner.sum(0)  # pixels of p on some anomaly
    siou_gt = gt_hit / (gt_size + touch @ table[0, 1:])
    siou_pred = pred_hit / (pred_size + touch.T @ table[1:, 0])
    return dict(sIoU_gt=siou_gt, sIoU_pred=siou_pred, prec_pred=pred_hit / pred_size)


def component_metrics(frames, siou_thresholds=SIOU_THRESHOLDS):
    """Pool per-frame component values: sIoU_gt, sIoU_pred, PPV, mean_F1 and F1 at 25/50/75."""
    pooled = {k: np.concatenate([f[k] for f in frames]) if frames else np.empty(0)
              for k in ('sIoU_gt', 'sIoU_pred', 'prec_pred')}
    out = dict(sIoU_gt=_mean(pooled['sIoU_gt']), sIoU_pred=_mean(pooled['sIoU_pred']),
               PPV=_mean(pooled['prec_pred']), n_gt_components=int(pooled['sIoU_gt'].size),
               n_pred_components=int(pooled['sIoU_pred'].size))
    f1s = []
    for t in siou_thresholds:  # counts over pooled components = counts summed over frames
        tp = int(np.count_nonzero(pooled['sIoU_gt'] >= t))
        fn = pooled['sIoU_gt'].size - tp
        fp = int(np.count_nonzero(pooled['prec_pred'] < t))
        f1 = 2 * tp / (2 * tp + fn + fp) if (tp + fn + fp) else float('nan')
        f1s.append(f1)
        if round(100 * t) in (25, 50, 75):
            out[f'F1_{round(100 * t)}'] = f1
    out['mean_F1'] = float(np.mean(f1s))
    return out


def _mean(values):
    return float(values.mean()) if values.size else float('nan')
