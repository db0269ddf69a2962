import math

import pytest
import torch

from anomseg.models.scorers import gaussian_smooth


def test_gaussian_of_an_impulse_is_the_kernel():
    maps = torch.zeros(1, 9, 9, dtype=torch.float64)
    maps[0, 4, 4] = 1.0
    out = gaussian_smooth(maps, kernel_size=5, sigma=1.0)
    w = [math.exp(-d * d / 2) for d in range(-2, 3)]
    w = [v / sum(w) for v in w]
    for dy in range(-2, 3):
        for dx in range(-2, 3):
            assert out[0, 4 + dy, 4 + dx].item() == pytest.approx(w[dy + 2] * w[dx + 2])
    assert out.sum().item() == pytest.approx(1.0)


def test_constant_maps_stay_constant_at_borders():
    maps = torch.full((2, 6, 7), 3.0)
    assert torch.allclose(gaussian_smooth(maps, 7, 2.0), maps)


def test_bad_kernel():
    with pytest.raises(ValueError, match='odd'):
        gaussian_smooth(torch.zeros(1, 5, 5), kernel_size=4)
