import math

import pytest
import torch

from anomseg.models.scorers import energy, entropy, max_logit, max_softmax

# One image, 3 classes, 1x2 pixels: pixel A confident, pixel B uniform.
LOGITS = torch.tensor([[[[2.0, 0.0]], [[0.0, 0.0]], [[-1.0, 0.0]]]])


def by_hand_softmax(z):
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


def test_max_softmax_by_hand():
    p_a = by_hand_softmax([2.0, 0.0, -1.0])
    expected = torch.tensor([[[1 - max(p_a), 1 - 1 / 3]]])
    assert torch.allclose(max_softmax(LOGITS), expected, atol=1e-6)


def test_max_logit_by_hand():
    assert torch.equal(max_logit(LOGITS), torch.tensor([[[-2.0, -0.0]]]))


def test_entropy_by_hand():
    p_a = by_hand_softmax([2.0, 0.0, -1.0])
    h_a = -sum(p * math.log(p) for p in p_a)
    expected = torch.tensor([[[h_a, math.log(3)]]])
    assert torch.allclose(entropy(LOGITS), expected, atol=1e-6)


@pytest.mark.parametrize('temperature', [1.0, 2.0])
def test_energy_by_hand(temperature):
    t = temperature
    e_a = -t * math.log(sum(math.exp(v / t) for v in [2.0, 0.0, -1.0]))
    e_b = -t * math.log(3)
    expected = torch.tensor([[[e_a, e_b]]])
    assert torch.allclose(energy(LOGITS, temperature=t), expected, atol=1e-6)


def test_higher_is_more_anomalous():
    """The uniform pixel B must score above the confident pixel A for every scorer."""
    for fn in (max_softmax, max_logit, entropy, energy):
        s = fn(LOGITS)
        assert s[0, 0, 1] > s[0, 0, 0], fn.__name__


def test_energy_is_stable_for_large_logits():
    big = torch.tensor([[[[1000.0]], [[999.0]]]])
    assert torch.isfinite(energy(big)).all()
    assert torch.allclose(energy(big), torch.tensor([[[-1000.0 - math.log(1 + math.exp(-1))]]]))
