import math

import torch

from anomseg.models.losses import RPLLoss, rpl_losses


def _softmax(v):
    m = max(v)
    e = [math.exp(x - m) for x in v]
    return [x / sum(e) for x in e]


def _entropy(v):
    return -sum(p * math.log(p) for p in _softmax(v))


def test_rpl_losses_by_hand():
    rpl = torch.tensor([[[[1.0, -1.0]], [[0.0, 2.0]]]])        # (1, 2 classes, 1, 2 pixels)
    van = torch.tensor([[[[3.0, 0.0]], [[0.0, 1.0]]]])
    ood = torch.tensor([[[False, True]]])
    inlier = ~ood
    got = rpl_losses(rpl, van, ood, inlier)
    # pixel 0 is the inlier: frozen argmax is class 0
    ce = -math.log(_softmax([1.0, 0.0])[0])
    ent = (_entropy([1.0, 0.0]) - _entropy([3.0, 0.0])) ** 2
    energy = max(math.log(math.exp(-1.0) + math.exp(2.0)), 0.0)
    assert math.isclose(got['loss_rpl_ce'].item(), ce, rel_tol=1e-6)
    assert math.isclose(got['loss_rpl_entropy'].item(), ent, rel_tol=1e-5)
    assert math.isclose(got['loss_rpl_energy'].item(), energy, rel_tol=1e-6)


def test_rpl_loss_module_without_outliers_and_weights():
    rpl = torch.randn(2, 4, 5, 5, requires_grad=True)
    van = torch.randn(2, 4, 5, 5)
    labels = torch.zeros(2, 10, 10, dtype=torch.long)
    out = RPLLoss(loss_weights=(1.0, 2.0, 3.0))(rpl, van, labels)
    assert out['loss_rpl_energy'].item() == 0.0
    assert all(torch.isfinite(v) for v in out.values())
    sum(out.values()).backward()
    assert torch.isfinite(rpl.grad).all()
    plain = RPLLoss()(rpl, van, labels)
    assert math.isclose(out['loss_rpl_entropy'].item(), 2 * plain['loss_rpl_entropy'].item(),
                        rel_tol=1e-6)
