import math

import pytest
import torch

from anomseg.models.losses import WeightedCrossEntropyLoss


def test_weighted_mean_by_hand_with_ignored_pixels():
    # two labelled pixels (classes 0 and 1) and one ignored; logits give CE ln 2 to both
    logits = torch.zeros(1, 2, 1, 3)
    label = torch.tensor([[[0, 1, 255]]])
    loss = WeightedCrossEntropyLoss(class_weight=[0.25, 1.0])(logits, label)
    assert loss.item() == pytest.approx(math.log(2))  # equal CE: any weights average to it
    # class 1 certain (CE ~ 0), class 0 at ln 2: (0.25 ln 2 + 1 * 0) / 1.25
    logits[0, 1, 0, 1] = 50.0
    loss = WeightedCrossEntropyLoss(class_weight=[0.25, 1.0], loss_weight=2.0)(logits, label)
    assert loss.item() == pytest.approx(2 * 0.25 * math.log(2) / 1.25, rel=1e-6)


def test_all_ignored_gives_zero_with_a_gradient():
    logits = torch.randn(1, 3, 2, 2, requires_grad=True)
    loss = WeightedCrossEntropyLoss(class_weight=[1, 1, 1])(logits, torch.full((1, 2, 2), 255))
    loss.backward()
    assert loss.item() == 0.0 and logits.grad is not None
