"""A frame's evaluation panel for the report: the image, its ground truth, the scorer's heatmap
with its colour bar, and what a threshold gets right and wrong (pixels coloured by outcome,
components counted)."""
import cv2
import numpy as np

from .heatmap import FONT, heatmap_overlay

TRUE_POSITIVE, FALSE_POSITIVE, MISSED = (40, 180, 40), (40, 40, 230), (230, 140, 20)  # BGR
ANOMALY, VOID = (40, 40, 230), (150, 150, 150)


def _blend(image, mask, colour, alpha=0.55):
    out = image.copy()
    out[mask] = (1 - alpha) * image[mask] + alpha * np.array(colour, np.float32)
    return out


def ground_truth_overlay(image, labels, void_index=255):
    """Anomaly pixels (label 1) red, void grey, over the image."""
    out = _blend(image, labels == 1, ANOMALY)
    return _blend(out, labels == void_index, VOID, 0.7)


def component_overlay(image, scores, labels, threshold, void_index=255):
    """What the threshold gets right and wrong, over the image: predicted anomaly pixels
    (``scores >= threshold``, void excluded) green where they are anomalies and red where they
    are not; anomaly pixels left out, blue. Returns (overlay, counts) with counts of 8-connected
    components as the component metrics count them: 'true positive' (predicted components that
    touch the anomaly ground truth), 'false positive' (the others) and 'missed' (ground-truth
    components no prediction touches)."""
    valid = labels != void_index
    predicted = (np.asarray(scores) >= threshold) & valid
    anomaly = labels == 1
    n_pred, pred_ids = cv2.connectedComponents(predicted.astype(np.uint8), connectivity=8)
    n_gt, gt_ids = cv2.connectedComponents(anomaly.astype(np.uint8), connectivity=8)
    hit_pred = np.zeros(n_pred, bool)
    hit_pred[np.unique(pred_ids[anomaly & predicted])] = True
    hit_gt = np.zeros(n_gt, bool)
    hit_gt[np.unique(gt_ids[anomaly & predicted])] = True
    out = image
    for mask, colour in ((anomaly & ~predicted, MISSED), (predicted & ~anomaly, FALSE_POSITIVE),
                         (predicted & anomaly, TRUE_POSITIVE)):
        out = _blend(out, mask, colour)
        contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                       cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(out, contours, -1, colour, 1)
    counts = {'true positive': int(hit_pred[1:].sum()),
              'false positive': int((~hit_pred[1:]).sum()),
              'missed': int((~hit_gt[1:]).sum())}
    return out, counts


def _titled(tile, title, width):
    """``tile`` scaled to ``width`` with a white title strip above it."""
    h, w = tile.shape[:2]
    tile = cv2.resize(tile, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    scale = 0.5
    strip = np.full((24, width, 3), 255, np.uint8)
    cv2.putText(strip, title, (4, 17), FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([strip, tile])


def frame_panel(image, labels, scores, vmin, vmax, threshold, scorer, tile_width=420):
    """[image | ground truth | heatmap with colour bar | components at ``threshold``] of one
    frame, each tile ``tile_width`` wide (the heatmap a little wider, for its bar), BGR uint8.
    Returns (panel, component counts)."""
    image = np.ascontiguousarray(image)
    comps, counts = component_overlay(image, scores, labels, threshold)
    # the heatmap drawn at the tile's size, so that its colour bar reads at that size
    size = (tile_width, max(1, round(image.shape[0] * tile_width / image.shape[1])))
    heat = heatmap_overlay(cv2.resize(image, size, interpolation=cv2.INTER_AREA),
                           cv2.resize(np.asarray(scores, np.float32), size,
                                      interpolation=cv2.INTER_AREA), vmin, vmax, label=scorer)
    tiles = [_titled(image, 'image', tile_width),
             _titled(ground_truth_overlay(image, labels), 'ground truth (red: anomaly, grey: '
                     'void)', tile_width),
             _titled(heat, f'{scorer} heatmap', heat.shape[1]),
             _titled(comps, f'{scorer} >= {threshold:.4g}: {counts["true positive"]} TP, '
                     f'{counts["false positive"]} FP, {counts["missed"]} missed', tile_width)]
    height = max(t.shape[0] for t in tiles)
    tiles = [np.vstack([t, np.full((height - t.shape[0], t.shape[1], 3), 255, np.uint8)])
             for t in tiles]
    gap = np.full((height, 6, 3), 255, np.uint8)
    return np.hstack([x for t in tiles for x in (t, gap)][:-1]), counts
