import cv2
import numpy as np
import pytest

from anomseg.datasets.transforms import (align_style, fourier_amplitude_swap,
                                         lab_statistics_transfer, soft_alpha)


def test_lab_transfer_matches_scene_statistics_on_the_object():
    rng = np.random.default_rng(0)
    obj = rng.integers(100, 200, (20, 30, 3), dtype=np.uint8)
    mask = np.zeros((20, 30), bool)
    mask[5:15, 5:25] = True
    scene = rng.integers(0, 80, (40, 50, 3), dtype=np.uint8)
    out = lab_statistics_transfer(obj, mask, scene)
    lab_out = cv2.cvtColor(out, cv2.COLOR_BGR2LAB).astype(np.float64)[mask]
    lab_scene = cv2.cvtColor(scene, cv2.COLOR_BGR2LAB).astype(np.float64).reshape(-1, 3)
    # uint8 rounding and Lab<->BGR round trips cost a few levels
    assert np.allclose(lab_out.mean(0), lab_scene.mean(0), atol=3)
    assert np.allclose(lab_out.std(0), lab_scene.std(0), atol=3)
    assert np.array_equal(out[~mask], obj[~mask])


def test_fourier_swap_by_numpy_fft_written_out():
    rng = np.random.default_rng(1)
    obj = rng.integers(0, 255, (16, 16, 3)).astype(np.uint8)
    ref = rng.integers(0, 255, (16, 16, 3)).astype(np.uint8)
    out = fourier_amplitude_swap(obj, ref, beta=0.125)      # half-width 2 around the centre
    expected = np.empty((16, 16, 3))
    for c in range(3):
        fo = np.fft.fftshift(np.fft.fft2(obj[..., c].astype(float)))
        fr = np.fft.fftshift(np.fft.fft2(ref[..., c].astype(float)))
        amp = np.abs(fo)
        amp[6:11, 6:11] = np.abs(fr)[6:11, 6:11]
        expected[..., c] = np.real(np.fft.ifft2(np.fft.ifftshift(amp * np.exp(1j * np.angle(fo)))))
    assert np.abs(out.astype(int) - np.clip(np.rint(expected), 0, 255).astype(np.uint8)).max() <= 1
    # the mean colour (the DC term) is the reference's
    assert np.allclose(out.reshape(-1, 3).mean(0), ref.reshape(-1, 3).mean(0), atol=1.5)
    assert np.array_equal(fourier_amplitude_swap(obj, obj, beta=0.1), obj)


def test_soft_alpha_and_style_dispatch():
    mask = np.zeros((21, 21), bool)
    mask[5:16, 5:16] = True
    assert np.array_equal(soft_alpha(mask, 0), mask.astype(np.float32))
    alpha = soft_alpha(mask, 2.0)
    assert 0.9 < alpha[10, 10] <= 1 and 0.4 < alpha[10, 5] < 0.6 and alpha[0, 0] < 0.01
    obj = np.full((3, 3, 3), 7, np.uint8)
    assert align_style(obj, np.ones((3, 3), bool), obj, 0, 0, None) is obj
    with pytest.raises(ValueError, match='unknown style operator'):
        align_style(obj, np.ones((3, 3), bool), obj, 0, 0, dict(type='cyclegan'))
