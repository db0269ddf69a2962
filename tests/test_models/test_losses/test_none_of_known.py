import math

import torch

from anomseg.models.losses import NoneOfKnownLoss, none_of_known_loss


def test_none_of_known_by_hand():
    probs = torch.tensor([[[[0.5, 0.1]], [[0.2, 0.9]]]])   # (1, K=2, 1, 2)
    ood = torch.tensor([[[True, False]]])
    expected = -(math.log(1 - 0.5) + math.log(1 - 0.2))
    assert math.isclose(none_of_known_loss(probs, ood).item(), expected, rel_tol=1e-6)


def test_module_on_per_pixel_logits_uses_sigmoid_and_ignores_inliers():
    logits = torch.tensor([[[[0.0, 3.0]], [[1.0, -3.0]]]])
    labels = torch.tensor([[[254, 0]]])
    expected = -(math.log(1 - 0.5) + math.log(1 - 1 / (1 + math.exp(-1.0))))
    got = NoneOfKnownLoss()(logits, labels)['loss_none_of_known']
    assert math.isclose(got.item(), expected, rel_tol=1e-6)


def test_no_outlier_and_saturated_scores_stay_finite():
    cls = [torch.randn(1, 5, 4, requires_grad=True)]
    masks = [torch.full((1, 5, 4, 4), 50.0, requires_grad=True)]   # sigmoid = 1: L_k can be 1
    loss = NoneOfKnownLoss()((cls, masks), torch.full((1, 4, 4), 254))['loss_none_of_known']
    assert torch.isfinite(loss)
    loss.backward()
    assert torch.isfinite(cls[0].grad).all()
    none = NoneOfKnownLoss()((cls, masks), torch.zeros(1, 4, 4, dtype=torch.long))
    assert none['loss_none_of_known'].item() == 0.0
