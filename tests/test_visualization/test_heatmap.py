import cv2
import numpy as np
import pytest

from anomseg.visualization import (class_legend, class_panel, colorize_scores, colour_bar,
                                   heatmap_overlay, tick_labels)


def test_colour_scale_is_fixed_and_clipped():
    scores = np.array([[-1.0, 0.0, 0.5, 1.0, 2.0]])
    colours = colorize_scores(scores, 0.0, 1.0)
    lut = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[None], cv2.COLORMAP_INFERNO)[0]
    assert np.array_equal(colours[0, 0], lut[0]) and np.array_equal(colours[0, 1], lut[0])
    assert np.array_equal(colours[0, 2], lut[128])
    assert np.array_equal(colours[0, 3], lut[255]) and np.array_equal(colours[0, 4], lut[255])


def test_overlay_blends_and_appends_a_bar():
    image = np.full((40, 50, 3), 100, np.uint8)
    scores = np.zeros((40, 50))
    out = heatmap_overlay(image, scores, 0, 1, alpha=0.5)
    bar = colour_bar(40, 0, 1)
    assert out.shape == (40, 50 + bar.shape[1], 3) and np.array_equal(out[:, 50:], bar)
    lut0 = cv2.applyColorMap(np.zeros((1, 1), np.uint8), cv2.COLORMAP_INFERNO)[0, 0]
    assert np.allclose(out[0, 0], 0.5 * 100 + 0.5 * lut0.astype(float), atol=1)
    with pytest.raises(ValueError, match='differ'):
        heatmap_overlay(image, np.zeros((10, 10)), 0, 1)


def test_grey_window_stretches_and_clips():
    from anomseg.visualization import grey_window
    img = np.array([[10, 50, 90, 200]], np.uint8)
    out = grey_window(img, 50, 90)
    assert out.shape == (1, 4, 3) and (out[..., 0] == out[..., 2]).all()
    assert out[0, :, 0].tolist() == [0, 0, 255, 255]
    assert grey_window(np.full((1, 1), 70, np.uint8), 50, 90)[0, 0, 0] == 128


def test_tick_labels_tell_every_tick_apart_in_any_range():
    """RbA maps in [-0.98, -0.61] used to read '-0' at both ends of the bar."""
    assert tick_labels(np.linspace(-0.98, -0.61, 5)) == ['-0.98', '-0.89', '-0.79', '-0.7',
                                                        '-0.61']
    assert tick_labels([0, 0.5, 1]) == ['0', '0.5', '1']
    assert tick_labels([-1e-9, 0.0]) == ['-1e-9', '0']
    for lo, hi in ((2.19720, 2.19725), (-20, 0), (1e-4, 1.2e-4), (3e5, 3.0001e5)):
        labels = tick_labels(np.linspace(lo, hi, 5))
        assert len(set(labels)) == 5, labels
        assert [float(t) for t in labels] == sorted(float(t) for t in labels)


def test_the_bar_is_as_wide_as_its_labels_and_names_the_scorer():
    narrow, wide = colour_bar(300, 0, 1), colour_bar(300, -0.123456, -0.123401)
    assert wide.shape[1] > narrow.shape[1]
    named = colour_bar(300, 0, 1, label='a_long_scorer_name')
    assert named.shape[1] > narrow.shape[1]
    dark = (named[:40] < 100).all(axis=2)          # the name and 'high = anomaly' at the top
    assert dark.sum() > 50


def test_class_panel_has_a_legend_of_the_classes_shown():
    palette = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]]
    seg = np.zeros((60, 80), np.int64)
    seg[:, 40:] = 2
    panel = class_panel(seg, palette, ['road', 'car', 'sky', 'person'])
    assert panel.shape[0] == 60 and panel.shape[1] > 80
    assert np.array_equal(panel[0, 0], [0, 0, 255]) and np.array_equal(panel[0, 79], [255, 0, 0])
    legend = panel[:, 80:]
    assert np.array_equal(legend, class_legend(60, ['road', 'car', 'sky', 'person'],
                                               np.array(palette, np.uint8), [0, 2]))
    swatches = {tuple(c) for c in legend.reshape(-1, 3)} & {(0, 0, 255), (255, 0, 0),
                                                            (0, 255, 0), (9, 9, 9)}
    assert swatches == {(0, 0, 255), (255, 0, 0)}   # road and sky (BGR), not car or person
