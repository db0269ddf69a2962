import math

import torch

from anomseg.models.losses import EnergyOELoss, energy_oe_loss


def test_energy_oe_loss_by_hand():
    e = torch.tensor([[-30.0, -20.0, -10.0, -3.0]])
    ood = torch.tensor([[False, False, True, True]])
    inlier = ~ood
    # inliers vs m_in=-25: relu(-5)=0, relu(5)^2=25 -> 12.5; outliers vs m_out=-7: relu(3)^2=9, 0
    assert math.isclose(energy_oe_loss(e, ood, inlier, -25.0, -7.0).item(), 12.5 + 4.5)


def test_energy_module_uses_free_energy_of_the_logits():
    logits = torch.tensor([[[[2.0]], [[0.0]]]])       # (1, 2, 1, 1)
    labels = torch.tensor([[[254]]])
    e = -math.log(math.exp(2.0) + 1.0)
    expected = 0.1 * max(-7.0 - e, 0) ** 2
    got = EnergyOELoss(m_in=-25.0, m_out=-7.0, loss_weight=0.1)(logits, labels)['loss_energy']
    assert math.isclose(got.item(), expected, rel_tol=1e-6)


def test_energy_oe_without_outliers():
    logits = torch.randn(2, 3, 4, 4, requires_grad=True) * 10
    loss = EnergyOELoss()(logits, torch.zeros(2, 8, 8, dtype=torch.long))['loss_energy']
    assert torch.isfinite(loss)
    loss.backward()
    empty = EnergyOELoss()(logits, torch.full((2, 8, 8), 255))['loss_energy']
    assert empty.item() == 0.0
