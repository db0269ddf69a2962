import torch
import torch.nn as nn
from mmseg.registry import MODELS

from .utils import class_scores, layer_outputs, masked_mean, outlier_masks, resize_to


def none_of_known_loss(probs, ood, eps=1e-6):
    """"None of the given classes" on outlier pixels (Zhang et al., ICCV 2023 workshops,
    "Anomaly-Aware Semantic Segmentation via Style-Aligned OoD Augmentation"), as read here: every
    known class's per-pixel probability p_k(x) in [0, 1] is pushed to 0 on outliers with a binary
    cross-entropy against the all-zero target,

        L = mean_{x in outliers} -sum_k log(1 - p_k(x)).

    For a mask head p_k = L_k(x) = sum_q softmax(c_q)_k sigmoid(m_q(x)), which, unlike a softmax,
    may be low for every class at once; the anomaly score is then -max_k L_k (scorer
    ``max_logit``). Inliers keep the model's own segmentation losses. Empty sets give 0.
    """
    p = probs.clamp(0, 1 - eps)
    return masked_mean(-torch.log1p(-p).sum(dim=1), ood)


@MODELS.register_module()
class NoneOfKnownLoss(nn.Module):
    """``none_of_known_loss`` on a mask head's L_k(x) (every decoder layer unless
    ``all_layers=False``), or on sigmoid(logits) of a per-pixel head."""

    def __init__(self, all_layers=True, loss_weight=1.0, ood_index=254, ignore_index=255,
                 loss_name='loss_none_of_known'):
        super().__init__()
        self.all_layers = all_layers
        self.loss_weight = loss_weight
        self.ood_index, self.ignore_index = ood_index, ignore_index
        self.loss_name = loss_name

    def forward(self, outputs, labels):
        ood, _ = outlier_masks(labels, self.ood_index, self.ignore_index)
        total = 0
        for layer in layer_outputs(outputs, self.all_layers):
            probs = class_scores(layer) if not torch.is_tensor(layer) else layer.sigmoid()
            total = total + none_of_known_loss(resize_to(probs, labels.shape[-2:]), ood)
        return {self.loss_name: self.loss_weight * total}
