import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS

from anomseg.models.scorers import entropy
from .utils import masked_mean, outlier_masks, resize_to


def rpl_losses(rpl_logits, vanilla_logits, ood, inlier):
    """RPL's losses (Liu et al., ICCV 2023, "Residual Pattern Learning for Pixel-wise
    Out-of-Distribution Detection in Semantic Segmentation"), on logits z' of the model with the
    residual module and z of the frozen model:

    - inliers keep the closed-set behaviour: cross-entropy to the frozen prediction,
          L_ce = mean_{x in inliers} CE(z'(x), argmax_c z_c(x)),
      and entropy matching, L_ent = mean_{x in inliers} (H(softmax z'(x)) - H(softmax z(x)))^2;
    - outliers get a high free energy: L_energy = mean_{x in outliers} relu(logsumexp_c z'_c(x)),
      i.e. E(x) = -logsumexp z'(x) is pushed above 0.

    Returns a dict of the three terms; empty sets give 0.
    """
    target = vanilla_logits.argmax(dim=1)
    ce = F.cross_entropy(rpl_logits, target, reduction='none')
    ent = (entropy(rpl_logits) - entropy(vanilla_logits).detach()) ** 2
    lse = torch.logsumexp(rpl_logits, dim=1)
    return dict(loss_rpl_ce=masked_mean(ce, inlier), loss_rpl_entropy=masked_mean(ent, inlier),
                loss_rpl_energy=masked_mean(F.relu(lse), ood))


@MODELS.register_module()
class RPLLoss(nn.Module):
    """``rpl_losses`` with the logits upsampled to the labels; ``loss_weights`` for the terms
    (ce, entropy, energy); the energy weight 0.05 is RPL's released config's."""

    def __init__(self, loss_weights=(1.0, 1.0, 0.05), ood_index=254, ignore_index=255):
        super().__init__()
        self.loss_weights = loss_weights
        self.ood_index, self.ignore_index = ood_index, ignore_index

    def forward(self, rpl_logits, vanilla_logits, labels):
        ood, inlier = outlier_masks(labels, self.ood_index, self.ignore_index)
        size = labels.shape[-2:]
        terms = rpl_losses(resize_to(rpl_logits, size), resize_to(vanilla_logits, size), ood,
                           inlier)
        return {k: w * v for (k, v), w in zip(terms.items(), self.loss_weights)}
