import math

import torch

from anomseg.models.losses import QueryDistributionLoss, query_distribution_loss


def test_qd_by_hand():
    # 2 queries, 2 known classes + no-object; class 0 and 1 present
    logits = torch.tensor([[[2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    p = [[math.exp(v) for v in row] for row in logits[0].tolist()]
    p = [[v / sum(row) for v in row] for row in p]
    mass = [(p[0][k] + p[1][k]) / 2 for k in range(2)]
    d = [m / sum(mass) for m in mass]
    expected = sum(0.5 * math.log(0.5 / dk) for dk in d)
    got = query_distribution_loss(logits, torch.tensor([[True, True]]))
    assert math.isclose(got.item(), expected, rel_tol=1e-5)
    only0 = query_distribution_loss(logits, torch.tensor([[True, False]]))
    assert math.isclose(only0.item(), -math.log(d[0]), rel_tol=1e-6)


def test_qd_module_reads_present_classes_and_skips_empty_images():
    torch.manual_seed(0)
    cls = [torch.randn(2, 5, 4, requires_grad=True) for _ in range(2)]
    labels = torch.full((2, 6, 6), 255)
    labels[0, :3] = 2
    labels[0, 3:] = 254          # outliers are no class
    loss = QueryDistributionLoss(num_classes=3)((cls, None), labels)['loss_qd']
    present = torch.tensor([[False, False, True], [False, False, False]])
    expected = sum(query_distribution_loss(c[:1], present[:1], 3) for c in cls)
    assert math.isclose(loss.item(), expected.item(), rel_tol=1e-6)
    loss.backward()
    assert torch.isfinite(cls[0].grad).all()
    none = QueryDistributionLoss(num_classes=3)((cls, None), torch.full((2, 6, 6), 255))
    assert none['loss_qd'].item() == 0.0
