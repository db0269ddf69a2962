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
import cv2
import numpy as np

COMPONENT_SIZE_FILTERS = {  # (min predicted component, min ground-truth component) in pixels
    'AnomalyTrack': (500, 100),
    'ObstacleTrack': (50, 10),
    'LostAndFoundNoKnown': (50, 10),
}
SIOU_THRESHOLDS = np.linspace(0.25, 0.75, 11)


def frame_components(scores, labels, threshold, min_pred_px, min_gt_px):
    """Per-component values of one frame: dict(sIoU_gt, sIoU_pred, prec_pred) as arrays.

    Only the pixels that are anomaly or predicted are gathered after labelling (the others add
    to no count), so the cost beyond two connected-component passes follows the anomalies'
    size, not the frame's."""
    labels = np.asarray(labels)
    is_gt = labels == 1
    predicted = (np.asarray(scores) > threshold) & (labels != 255)
    num_gt, gt_ids, gt_stats, _ = cv2.connectedComponentsWithStats(
        is_gt.view(np.uint8), connectivity=8, ltype=cv2.CV_32S)
    num_pred, pred_ids, pred_stats, _ = cv2.connectedComponentsWithStats(
        predicted.view(np.uint8), connectivity=8, ltype=cv2.CV_32S)
    kept_gt = gt_stats[:, cv2.CC_STAT_AREA] >= min_gt_px
    kept_pred = pred_stats[:, cv2.CC_STAT_AREA] >= min_pred_px
    kept_gt[0] = kept_pred[0] = False
    where = np.flatnonzero(is_gt | predicted)
    g, p = gt_ids.ravel()[where], pred_ids.ravel()[where]
    in_roi = kept_gt[g] | (g == 0)  # small ground-truth components are void
    g, p = _renumber(kept_gt)[g[in_roi]], p[in_roi]
    kept_pred[1:] &= np.bincount(p, minlength=num_pred)[1:] > 0  # left with no ROI pixel
    p = _renumber(kept_pred)[p]
    num_g, num_p = int(kept_gt.sum()), int(kept_pred.sum())
    gt_size = np.bincount(g, minlength=num_g + 1)[1:]
    pred_size = np.bincount(p, minlength=num_p + 1)[1:]
    gt_missed = np.bincount(g[p == 0], minlength=num_g + 1)[1:]  # k's pixels not predicted
    pred_off = np.bincount(p[g == 0], minlength=num_p + 1)[1:]  # p's pixels on no anomaly
    both = (g > 0) & (p > 0)
    pairs = np.unique(g[both].astype(np.int64) * (num_p + 1) + p[both])  # (k, p) that touch
    pair_g, pair_p = pairs // (num_p + 1) - 1, pairs % (num_p + 1) - 1
    gt_hit = gt_size - gt_missed  # pixels of k covered by some predicted component
    pred_hit = pred_size - pred_off  # pixels of p on some anomaly
    siou_gt = gt_hit / (gt_size + np.bincount(pair_g, pred_off[pair_p], num_g))
    siou_pred = pred_hit / (pred_size + np.bincount(pair_p, gt_missed[pair_g], num_p))
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


def _renumber(kept):
    """Lookup from old ids to 1..K for the kept ones (id 0 never kept), 0 for the others."""
    return (np.cumsum(kept) * kept).astype(np.int32)
