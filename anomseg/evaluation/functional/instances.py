"""Instance-level anomaly metrics of OoDIS (Nekrasov et al., 2024, "OoDIS: Anomaly Instance
Segmentation Benchmark"): Cityscapes' instance-level AP (cityscapesScripts'
``evalInstanceLevelSemanticLabeling``) as OoDIS's scoring program runs it, for one class.

Ground truth is a Cityscapes-style instance map: ids >= 1000 are anomaly instances, ids 1..999
label regions without instances (groups), 0 is background; ``void`` marks pixels not evaluated.
Predictions are binary masks with a confidence. For each overlap threshold t in
0.50:0.05:0.95:

- ground-truth instances smaller than ``min_region`` pixels (10 in OoDIS) are left out;
- a prediction matches an instance when IoU = |g ∩ p| / (|g| + |p| - |g ∩ p|) > t; of several
  matches of one instance the most confident counts as true positive, the others as false
  positives; an instance without a match is a false negative;
- an unmatched prediction (no IoU > t with any instance, small ones and groups included) is a
  false positive unless the share of its pixels on void, on groups and on left-out small
  instances exceeds t;
- precision and recall are taken at every distinct confidence, a final point (recall 0,
  precision 1) is added, and AP is the step integral (each point's precision times the half
  distance between its neighbours' recalls).

AP is the mean over the ten thresholds, AP50 the value at t = 0.5 (NaN without ground truth, 0
without predictions).
"""
import cv2
import numpy as np

OVERLAPS = np.arange(0.5, 1.0, 0.05)
MIN_REGION_PX = 10


def instances_from_scores(scores, threshold, void=None):
    """Predicted instances as 8-connected components of ``scores > threshold`` (outside void);
    each one's confidence is its mean score. Returns (label map (H, W) with ids 1..N, (N,))."""
    scores = np.asarray(scores)
    mask = scores > threshold
    if void is not None:
        mask &= ~void
    n, ids, stats, _ = cv2.connectedComponentsWithStats(mask.view(np.uint8), connectivity=8,
                                                        ltype=cv2.CV_32S)
    where = np.flatnonzero(mask)
    sums = np.bincount(ids.ravel()[where], scores.ravel()[where].astype(np.float64), n)
    return ids, sums[1:] / stats[1:, cv2.CC_STAT_AREA]


def instances_from_queries(mask_logits, scores, min_confidence=None):
    """Predicted instances from a mask transformer's queries: each query's mask is
    sigmoid(m_q) > 0.5 (logits > 0; boolean masks as they are), its confidence the mean anomaly
    score inside, in the scorer's own range (RbA's is negative); empty masks, and with
    ``min_confidence`` those below it, are dropped. Returns (masks (N, H, W) bool,
    confidences (N,))."""
    masks = np.asarray(mask_logits)
    masks = masks if masks.dtype == bool else masks > 0
    scores = np.asarray(scores)
    sizes = np.count_nonzero(masks.reshape(len(masks), -1), axis=1)
    # one mask at a time: no (N, H, W) float temporary (368 MB for 50 queries at 720p)
    sums = np.array([scores[m].sum(dtype=np.float64) for m in masks], np.float64)
    confidence = np.divide(sums, sizes, out=np.zeros_like(sums), where=sizes > 0)
    keep = sizes > 0
    if min_confidence is not None:
        keep &= confidence >= min_confidence
    return masks[keep], confidence[keep]


def frame_instance_stats(gt_ids, void, predictions, confidences, overlaps=OVERLAPS,
                         min_region=MIN_REGION_PX):
    """What the AP at ``overlaps`` needs of one frame, in memory that grows with its
    predictions (9 bytes each), not with pairs of predictions and instances. ``predictions``:
    a label map (H, W) with ids 1..N (masks that do not overlap) or stacked masks (N, H, W).

    A prediction's fate at threshold t is decided here once: it is unmatched when its largest
    IoU with any labelled region is <= t, and then a false positive when its share of ignored
    pixels is <= t too, i.e. from the first t >= max(largest IoU, ignored share) on
    (``fp_from``, an index into ``overlaps``; len(overlaps): never). For each counted instance
    the predictions that match it at the lowest threshold are kept with their IoU and
    confidence, in prediction order (``matches``)."""
    overlaps = np.asarray(overlaps, np.float64)
    gt_ids = np.asarray(gt_ids)
    predictions = np.asarray(predictions)
    if predictions.ndim == 2:
        # only instance, group and predicted pixels add to a count: gather those
        n = len(confidences)
        where = np.flatnonzero((gt_ids > 0) | (predictions > 0))
        ids, inverse = _unique_ids(gt_ids.ravel()[where])
        pred = predictions.ravel()[where]
        gt_sizes = np.bincount(inverse, minlength=ids.size)
        pairs = np.bincount(inverse * (n + 1) + pred,
                            minlength=ids.size * (n + 1)).reshape(ids.size, n + 1)[:, 1:]
        pred_void = np.bincount(pred[np.asarray(void).ravel()[where]], minlength=n + 1)[1:]
    else:
        ids, inverse = _unique_ids(gt_ids)
        gt_sizes = np.bincount(inverse.ravel(), minlength=ids.size)
        pairs = np.stack([np.bincount(inverse[m], minlength=ids.size) for m in predictions], 1) \
            if len(predictions) else np.zeros((ids.size, 0), np.int64)
        pred_void = np.array([np.count_nonzero(void & m) for m in predictions], np.int64)
    pred_sizes = pairs.sum(0)
    keep = pred_sizes > 0  # empty predictions are skipped
    labelled = ids > 0
    inter, gt_sizes, pred_sizes = pairs[labelled][:, keep], gt_sizes[labelled], pred_sizes[keep]
    gt_ids, confidences = ids[labelled], np.asarray(confidences, np.float64)[keep]
    iou = inter / (gt_sizes[:, None] + pred_sizes[None] - inter)
    group, small = gt_ids < 1000, gt_sizes < min_region
    # as cityscapesScripts counts them: a small group adds its pixels twice
    ignored = (pred_void[keep] + inter[group].sum(0) + inter[small].sum(0)) / pred_sizes
    largest = np.where(inter > 0, iou, 0.0).max(0, initial=0.0)
    matches = []
    for g in np.flatnonzero(~group & ~small):
        hit = (inter[g] > 0) & (iou[g] > overlaps.min())
        matches.append((iou[g][hit], confidences[hit]))
    return dict(overlaps=overlaps, confidences=confidences, matches=matches,
                fp_from=np.searchsorted(overlaps, np.maximum(largest, ignored),
                                        'left').astype(np.uint8))


def instance_ap(frames):
    """OoDIS AP (mean over the overlaps of the frames' ``frame_instance_stats``) and AP50."""
    overlaps = frames[0]['overlaps'] if frames else OVERLAPS
    aps = [_ap_at(frames, k, t) for k, t in enumerate(overlaps)]
    at50 = [a for a, t in zip(aps, overlaps) if np.isclose(t, 0.5)]
    return dict(AP=float(np.nanmean(aps)) if not np.all(np.isnan(aps)) else float('nan'),
                AP50=float(at50[0]) if at50 else float('nan'),
                AP_per_overlap=[float(a) for a in aps])


def _unique_ids(values):
    """``np.unique(values, return_inverse=True)`` with the inverse in ``values``' shape, by
    counting where the ids are non-negative integers below 2**20 (instance maps): one pass
    instead of a sort, which took 0.2 s on a frame where predictions cover most pixels."""
    values = np.asarray(values)
    if not (values.size and values.dtype.kind in 'iu' and values.min() >= 0
            and values.max() < 1 << 20):
        ids, inverse = np.unique(values, return_inverse=True)
        return ids, inverse.reshape(values.shape)
    ids = np.flatnonzero(np.bincount(values.ravel()))
    lookup = np.zeros(int(ids[-1]) + 1, np.intp)
    lookup[ids] = np.arange(ids.size)
    return ids.astype(values.dtype), lookup[values]


def _ap_at(frames, k, t):
    """AP at overlap index ``k`` (threshold ``t``). The scores are gathered as arrays, a few
    per frame: a benchmark's frames may hold millions of predictions."""
    true_scores, pieces = [], []  # the true positives' scores; every prediction's
    hard_fns, have_gt, have_pred = 0, False, False
    for f in frames:
        if not np.array_equal(f['overlaps'], frames[0]['overlaps']):
            raise ValueError('frames measured at different overlaps')
        have_gt |= bool(f['matches'])
        have_pred |= bool(f['confidences'].size)
        for ious, confidences in f['matches']:
            matched = confidences[ious > t]  # in prediction order
            if matched.size == 0:
                hard_fns += 1
                continue
            # pairwise, the lower of the best so far and the next is a false positive
            best = np.maximum.accumulate(matched)
            pieces.append(np.minimum(best[:-1], matched[1:]))
            true_scores.append(best[-1:])
        pieces.append(f['confidences'][f['fp_from'] <= k])  # false positives
    if not have_gt:
        return float('nan')
    if not have_pred:
        return 0.0
    true_scores = np.sort(np.concatenate(true_scores or [np.zeros(0)]))
    pieces.append(true_scores)
    return _step_ap(true_scores, pieces, hard_fns)


def _step_ap(true_scores, pieces, hard_fns):
    """Step AP over the distinct values s of every prediction's score (``pieces``, a list of
    arrays holding the true positives' ``true_scores`` (sorted) and the false positives';
    emptied here): precision p_i and recall r_i of the predictions scoring >= s_i, s ascending,
    and the point (r = 0, p = 1) appended; AP = sum_i p_i (r_{i-1} - r_{i+1}) / 2 with
    r_{-1} = r_0. About 30 bytes a prediction at most: arrays are freed once read."""
    scores = np.concatenate(pieces)
    pieces.clear()
    if not scores.size:  # every prediction ignored, every instance missed
        return 0.0
    scores.sort()
    first = np.flatnonzero(np.concatenate([[True], scores[1:] != scores[:-1]]))
    thresholds = scores[first]
    predicted = np.subtract(scores.size, first, out=first)  # predictions scoring >= s
    del scores
    tp = np.searchsorted(true_scores, thresholds)
    del thresholds
    tp = np.subtract(true_scores.size, tp, out=tp)
    precision = tp / predicted
    del predicted
    recall = tp / (true_scores.size + hard_fns)
    del tp
    # the appended point: p = 1, r = 0 (r_m = r_{m+1} = 0 below)
    # sums of products rather than np.dot, which wakes OpenBLAS's spinning threads
    ahead = np.sum(precision[:-1] * recall[1:])  # sum p_i r_{i+1}
    behind = precision[0] * recall[0] + np.sum(precision[1:] * recall[:-1])  # sum p_i r_{i-1}
    return float((behind - ahead + recall[-1]) / 2)
