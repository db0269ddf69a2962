"""A frame's evaluation panel for the report: the image, its ground truth, the scorer's heatmap
with its colour bar, and what a threshold gets right and wrong (pixels coloured by outcome,
components counted).

Everything is drawn at the image's size, which may be smaller than the labels' and scores'
(the report keeps each frame's image at the panel's size): components are counted at the
labels' resolution, then their masks are scaled to the image by nearest neighbour."""
import cv2
import numpy as np

from .heatmap import FONT, heatmap_overlay

_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
TRUE_POSITIVE, FALSE_POSITIVE, MISSED = (40, 180, 40), (40, 40, 230), (230, 140, 20)  # BGR
ANOMALY, VOID = (40, 40, 230), (150, 150, 150)


def nearest(array, shape):
    """``array`` (H, W) resampled to ``shape`` by nearest neighbour (pixel centres: output pixel
    i reads input pixel floor((i + 1/2) * H / h)), any dtype."""
    array = np.asarray(array)
    if array.shape[:2] == tuple(shape):
        return array
    rows = ((np.arange(shape[0]) + 0.5) * array.shape[0] / shape[0]).astype(np.intp)
    cols = ((np.arange(shape[1]) + 0.5) * array.shape[1] / shape[1]).astype(np.intp)
    return array.take(rows, axis=0).take(cols, axis=1)  # rows first: one pass over fewer rows


def _blend(image, mask, colour, alpha=0.55):
    """``image`` with ``colour`` blended in at ``alpha`` where ``mask`` (rounded to uint8)."""
    tinted = cv2.add(cv2.convertScaleAbs(image, alpha=1 - alpha),
                     tuple(alpha * c for c in colour) + (0,))
    out = image.copy()
    cv2.copyTo(tinted, mask.view(np.uint8), out)
    return out


def ground_truth_overlay(image, labels, void_index=255):
    """Anomaly pixels (label 1) red, void grey, over the image."""
    labels = nearest(labels, image.shape[:2])
    out = _blend(image, labels == 1, ANOMALY)
    return _blend(out, labels == void_index, VOID, 0.7)


def component_overlay(image, scores, labels, threshold, void_index=255):
    """What the threshold gets right and wrong, over the image: predicted anomaly pixels
    (``scores >= threshold``, void excluded) green where they are anomalies and red where they
    are not; anomaly pixels left out, blue. Returns (overlay, counts) with counts of 8-connected
    components as the component metrics count them, at the labels' resolution: 'true positive'
    (predicted components that touch the anomaly ground truth), 'false positive' (the others)
    and 'missed' (ground-truth components no prediction touches)."""
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
        mask = nearest(mask.view(np.uint8), image.shape[:2])
        out = _blend(out, mask.astype(bool), colour)
        # outline: the mask's pixels with a 4-neighbour outside it
        edge = mask > cv2.erode(mask, _CROSS, borderType=cv2.BORDER_CONSTANT, borderValue=0)
        out[edge] = colour
    counts = {'true positive': int(hit_pred[1:].sum()),
              'false positive': int((~hit_pred[1:]).sum()),
              'missed': int((~hit_gt[1:]).sum())}
    return out, counts


def _titled(tile, title, width):
    """``tile`` scaled to ``width`` with a white title strip above it."""
    h, w = tile.shape[:2]
    if w != width:
        tile = cv2.resize(tile, (width, max(1, round(h * width / w))),
                          interpolation=cv2.INTER_AREA)
    scale = 0.5
    strip = np.full((24, width, 3), 255, np.uint8)
    cv2.putText(strip, title, (4, 17), FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return np.vstack([strip, tile])


def frame_panel(image, labels, scores, vmin, vmax, threshold, scorer, tile_width=420,
                counted_at=''):
    """[image | ground truth | heatmap with colour bar | components at ``threshold``] of one
    frame, each tile ``tile_width`` wide (the heatmap a little wider, for its bar), BGR uint8.
    ``labels`` and ``scores`` share a size, which may differ from the image's (see the
    module); ``counted_at`` is added to the components' title (e.g. where they were counted
    at a reduced size). Returns (panel, component counts)."""
    image = np.ascontiguousarray(image)
    h, w = image.shape[:2]
    size = (tile_width, max(1, round(h * tile_width / w)))
    if (w, h) != size:
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    comps, counts = component_overlay(image, scores, labels, threshold)
    scores = np.asarray(scores)
    heat_scores = (cv2.resize(scores.astype(np.float32), size, interpolation=cv2.INTER_AREA)
                   if scores.shape[1] > size[0] else nearest(scores, size[::-1]))
    heat = heatmap_overlay(image, heat_scores.astype(np.float32), vmin, vmax, label=scorer)
    tiles = [_titled(image, 'image', tile_width),
             _titled(ground_truth_overlay(image, labels), 'ground truth (red: anomaly, grey: '
                     'void)', tile_width),
             _titled(heat, f'{scorer} heatmap', heat.shape[1]),
             _titled(comps, f'{scorer} >= {threshold:.4g}: {counts["true positive"]} TP, '
                     f'{counts["false positive"]} FP, {counts["missed"]} missed{counted_at}',
                     tile_width)]
    height = max(t.shape[0] for t in tiles)
    tiles = [np.vstack([t, np.full((height - t.shape[0], t.shape[1], 3), 255, np.uint8)])
             for t in tiles]
    gap = np.full((height, 6, 3), 255, np.uint8)
    return np.hstack([x for t in tiles for x in (t, gap)][:-1]), counts
