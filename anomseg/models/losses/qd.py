import torch
import torch.nn as nn
from mmseg.registry import MODELS


def query_distribution_loss(cls_logits, present, num_known=None, eps=1e-6):
    """Query-distribution (QD) loss (Yuan et al., CVPR 2023, "Devil is in the Queries"), as read
    here: the queries' class assignment should spread over the classes present in the image
    instead of piling onto the background. The query distribution of an image is

        d_k = 1/Q sum_q softmax(c_q)_k / Z,   Z = sum_{k<K} 1/Q sum_q softmax(c_q)_k   (known k)

    and the loss is KL(t || d) = sum_k t_k log(t_k / d_k) with t uniform over the present known
    classes, averaged over the images that have any. cls_logits: (N, Q, C) (no-object last);
    present: (N, K) boolean.
    """
    num_known = cls_logits.shape[-1] - 1 if num_known is None else num_known
    mass = cls_logits.softmax(dim=-1)[..., :num_known].mean(dim=1)
    d = mass / mass.sum(dim=-1, keepdim=True).clamp(min=eps)
    t = present.to(d.dtype)
    count = t.sum(dim=-1, keepdim=True)
    t = t / count.clamp(min=1)
    kl = (t * (torch.log(t.clamp(min=eps)) - torch.log(d.clamp(min=eps)))).sum(dim=-1)
    has = (count[:, 0] > 0).to(kl.dtype)
    return (kl * has).sum() / has.sum().clamp(min=1)


@MODELS.register_module()
class QueryDistributionLoss(nn.Module):
    """``query_distribution_loss`` on every decoder layer of a mask head (``all_layers``), with
    the present classes read from the labels (ignore and outlier labels are not classes)."""

    def __init__(self, num_classes, all_layers=True, loss_weight=1.0, loss_name='loss_qd'):
        super().__init__()
        self.num_classes = num_classes
        self.all_layers = all_layers
        self.loss_weight = loss_weight
        self.loss_name = loss_name

    def forward(self, outputs, labels):
        all_cls, _ = outputs
        flat = labels.flatten(1)
        present = torch.stack([torch.bincount(row[row < self.num_classes],
                                              minlength=self.num_classes) > 0 for row in flat])
        layers = all_cls if self.all_layers else all_cls[-1:]
        total = sum(query_distribution_loss(c, present, self.num_classes) for c in layers)
        return {self.loss_name: self.loss_weight * total}
