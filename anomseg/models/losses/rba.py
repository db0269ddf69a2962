import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS

from anomseg.models.scorers import rba
from .utils import layer_outputs, masked_mean, outlier_masks, resize_to


def rba_outlier_loss(score, ood, inlier, inlier_margin=0.0, outlier_margin=5.0):
    """RbA's outlier loss (Nayal et al., ICCV 2023): a squared hinge on the RbA score
    s(x) = -sum_k tanh(L_k(x)),

        L = 1/2 [mean_{x in inliers} relu(s(x) - m_in)^2
                 + mean_{x in outliers} relu(m_out - s(x))^2]

    with margins m_in = 0 and m_out = 5 as in RbA's released config (s <= 0, so with these margins
    only outliers are pushed, toward rejection by every class). Empty sets contribute 0.
    """
    inlier_term = masked_mean(F.relu(score - inlier_margin) ** 2, inlier)
    outlier_term = masked_mean(F.relu(outlier_margin - score) ** 2, ood)
    return 0.5 * (inlier_term + outlier_term)


@MODELS.register_module()
class RbAOutlierLoss(nn.Module):
    """``rba_outlier_loss`` on a mask head's outputs, summed over decoder layers (RbA applies it
    with deep supervision; ``all_layers=False``: last layer only). The score is computed at the
    mask resolution and upsampled to the labels."""

    def __init__(self, inlier_margin=0.0, outlier_margin=5.0, all_layers=True, loss_weight=1.0,
                 ood_index=254, ignore_index=255, loss_name='loss_rba'):
        super().__init__()
        self.inlier_margin, self.outlier_margin = inlier_margin, outlier_margin
        self.all_layers = all_layers
        self.loss_weight = loss_weight
        self.ood_index, self.ignore_index = ood_index, ignore_index
        self.loss_name = loss_name

    def forward(self, outputs, labels):
        ood, inlier = outlier_masks(labels, self.ood_index, self.ignore_index)
        total = 0
        for layer in layer_outputs(outputs, self.all_layers):
            score = resize_to(rba(layer), labels.shape[-2:])
            total = total + rba_outlier_loss(score, ood, inlier, self.inlier_margin,
                                             self.outlier_margin)
        return {self.loss_name: self.loss_weight * total}
