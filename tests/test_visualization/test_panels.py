import numpy as np
from scipy import ndimage

from anomseg.visualization.panels import component_overlay, frame_panel


def reference_counts(scores, labels, threshold):
    eight = np.ones((3, 3), int)
    pred, n_pred = ndimage.label((scores >= threshold) & (labels != 255), eight)
    gt, n_gt = ndimage.label(labels == 1, eight)
    tp = sum(np.any((pred == k) & (labels == 1)) for k in range(1, n_pred + 1))
    missed = sum(not np.any((gt == k) & (pred > 0)) for k in range(1, n_gt + 1))
    return {'true positive': tp, 'false positive': n_pred - tp, 'missed': missed}


def test_component_outcomes_match_a_reference_on_random_frames():
    rng = np.random.default_rng(0)
    for _ in range(30):
        labels = (rng.random((24, 32)) < 0.15).astype(np.uint8)
        labels[rng.random((24, 32)) < 0.05] = 255
        scores = rng.random((24, 32))
        image = np.zeros((24, 32, 3), np.uint8)
        _, counts = component_overlay(image, scores, labels, 0.8)
        assert counts == reference_counts(scores, labels, 0.8)


def test_panel_colours_outcomes_and_keeps_its_tiles_aligned():
    labels = np.zeros((40, 60), np.uint8)
    labels[5:15, 5:15] = 1                          # found
    labels[25:35, 40:50] = 1                        # missed
    scores = np.zeros((40, 60))
    scores[5:15, 5:15] = 1
    scores[25:35, 5:15] = 1                         # false positive
    image = np.full((40, 60, 3), 200, np.uint8)
    overlay, counts = component_overlay(image, scores, labels, 0.5)
    assert counts == {'true positive': 1, 'false positive': 1, 'missed': 1}
    green, red, blue = overlay[10, 10], overlay[30, 10], overlay[30, 45]
    assert green[1] > green[0] and green[1] > green[2]
    assert red[2] > red[0] and red[2] > red[1]
    assert blue[0] > blue[1] and blue[0] > blue[2]
    panel, _ = frame_panel(image, labels, scores, 0, 1, 0.5, 'msp', tile_width=120)
    assert panel.dtype == np.uint8 and panel.shape[1] >= 4 * 120


def test_components_are_counted_at_the_labels_size_and_drawn_at_the_images():
    rng = np.random.default_rng(4)
    labels = (rng.random((90, 120)) < 0.1).astype(np.uint8)
    scores = rng.random((90, 120))
    image = np.zeros((30, 40, 3), np.uint8)              # a third of the labels' size
    overlay, counts = component_overlay(image, scores, labels, 0.9)
    assert overlay.shape == image.shape
    assert counts == reference_counts(scores, labels, 0.9)
    panel, same = frame_panel(image, labels, scores, 0, 1, 0.9, 'msp', tile_width=40)
    assert same == counts and panel.shape[1] >= 4 * 40
