import cv2
import numpy as np
import pytest

from anomseg.visualization import colorize_scores, heatmap_overlay


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
    assert out.shape == (40, 50 + 60, 3)
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
