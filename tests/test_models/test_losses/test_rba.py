import math

import torch

from anomseg.models.losses import RbAOutlierLoss, rba_outlier_loss


def test_rba_outlier_loss_by_hand():
    score = torch.tensor([[[-0.5, -2.0], [0.3, -1.0]]])
    ood = torch.tensor([[[False, True], [False, True]]])
    inlier = torch.tensor([[[True, False], [True, False]]])
    # inliers: relu(-0.5 - (-1))^2 = 0.25, relu(0.3 + 1)^2 = 1.69 -> mean 0.97
    # outliers: relu(0 - (-2))^2 = 4, relu(0 - (-1))^2 = 1 -> mean 2.5
    got = rba_outlier_loss(score, ood, inlier, inlier_margin=-1.0, outlier_margin=0.0)
    assert math.isclose(got.item(), 0.5 * (0.97 + 2.5), rel_tol=1e-6)


def test_rba_loss_module_on_mask_outputs_equals_the_formula():
    torch.manual_seed(0)
    cls = [torch.randn(1, 3, 3) for _ in range(2)]      # 2 layers, 3 queries, 2 classes + none
    masks = [torch.randn(1, 3, 2, 2) for _ in range(2)]
    labels = torch.tensor([[[0, 254], [1, 255]]])
    got = RbAOutlierLoss(all_layers=True)((cls, masks), labels)['loss_rba']
    total = 0.0
    for c, m in zip(cls, masks):
        p = c.softmax(-1)[0]
        s = [[0.0, 0.0], [0.0, 0.0]]
        for y in range(2):
            for x in range(2):
                lk = [sum(p[q, k].item() / (1 + math.exp(-m[0, q, y, x].item()))
                          for q in range(3)) for k in range(2)]
                s[y][x] = -sum(math.tanh(v) for v in lk)
        inl = (max(s[0][0], 0) ** 2 + max(s[1][0], 0) ** 2) / 2
        out = max(5 - s[0][1], 0) ** 2
        total += 0.5 * (inl + out)
    assert math.isclose(got.item(), total, rel_tol=1e-5)
    last = RbAOutlierLoss(all_layers=False)((cls, masks), labels)['loss_rba']
    assert last.item() < got.item()


def test_rba_loss_without_outliers_is_finite_and_backpropagates():
    cls = [torch.randn(2, 4, 3, requires_grad=True)]
    masks = [torch.randn(2, 4, 8, 8, requires_grad=True)]
    labels = torch.zeros(2, 16, 16, dtype=torch.long)
    loss = RbAOutlierLoss()((cls, masks), labels)['loss_rba']
    assert torch.isfinite(loss) and loss.item() == 0.0   # s <= 0 = m_in: no inlier penalty
    loss.backward()
    assert torch.isfinite(cls[0].grad).all()
    all_ignored = torch.full((2, 16, 16), 255)
    assert RbAOutlierLoss()((cls, masks), all_ignored)['loss_rba'].item() == 0.0
