import math

import torch
import torch.nn.functional as F

from anomseg.models.losses import CoroCLLoss, sample_groups, supervised_info_nce


def reference_info_nce(emb, labels, tau):
    """Plain-Python loops over anchors, positives and negatives."""
    n = len(labels)
    total, anchors = 0.0, 0
    for i in range(n):
        sims = [sum(emb[i][d] * emb[j][d] for d in range(len(emb[i]))) / tau for j in range(n)]
        neg = sum(math.exp(sims[k]) for k in range(n) if labels[k] != labels[i])
        pos = [j for j in range(n) if labels[j] == labels[i] and j != i]
        if not pos:
            continue
        total += -sum(math.log(math.exp(sims[j]) / (math.exp(sims[j]) + neg))
                      for j in pos) / len(pos)
        anchors += 1
    return total / max(anchors, 1)


def test_info_nce_matches_loops():
    torch.manual_seed(0)
    emb = F.normalize(torch.randn(7, 4), dim=1)
    labels = torch.tensor([1, 1, 0, 0, 0, 1, 0])
    got = supervised_info_nce(emb, labels, temperature=0.1)
    assert math.isclose(got.item(), reference_info_nce(emb.tolist(), labels.tolist(), 0.1),
                        rel_tol=1e-5)


def test_sample_groups_balances_and_caps():
    emb = torch.randn(1, 3, 10, 10)
    ood = torch.zeros(1, 10, 10, dtype=torch.bool)
    ood[0, :3] = True                        # 30 outlier pixels
    inlier = ~ood
    e, lab = sample_groups(emb, ood, inlier, max_per_group=512)
    assert e.shape == (60, 3) and lab.sum() == 30
    assert torch.allclose(e.norm(dim=1), torch.ones(60))
    e, lab = sample_groups(emb, ood, inlier, max_per_group=8)
    assert e.shape == (16, 3) and lab.tolist() == [1] * 8 + [0] * 8


def test_corocl_without_outliers_is_zero_with_gradient_path():
    emb = torch.randn(2, 8, 4, 4, requires_grad=True)
    loss = CoroCLLoss()(emb, torch.zeros(2, 16, 16, dtype=torch.long))['loss_corocl']
    assert loss.item() == 0.0
    loss.backward()
    assert emb.grad is not None
    labels = torch.zeros(2, 16, 16, dtype=torch.long)
    labels[:, :4, :4] = 254
    loss = CoroCLLoss()(emb, labels)['loss_corocl']
    assert torch.isfinite(loss) and loss.item() > 0
