import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS

from anomseg.models.scorers import energy
from .utils import class_scores, layer_outputs, masked_mean, outlier_masks, resize_to


def energy_oe_loss(free_energy, ood, inlier, m_in=-25.0, m_out=-7.0):
    """Energy-bounded outlier exposure (Liu et al., NeurIPS 2020, eq. 5), per pixel:

        L = mean_{x in inliers} relu(E(x) - m_in)^2 + mean_{x in outliers} relu(m_out - E(x))^2

    with E(x) = -T logsumexp_c z_c(x) / T; the paper's CIFAR margins are m_in = -25, m_out = -7.
    Empty sets contribute 0.
    """
    return (masked_mean(F.relu(free_energy - m_in) ** 2, inlier)
            + masked_mean(F.relu(m_out - free_energy) ** 2, ood))


@MODELS.register_module()
class EnergyOELoss(nn.Module):
    """``energy_oe_loss`` on per-pixel logits upsampled to the labels (a mask head: on L_k(x) of
    its last layer). ``loss_weight`` is the paper's lambda (0.1)."""

    def __init__(self, m_in=-25.0, m_out=-7.0, temperature=1.0, loss_weight=0.1, ood_index=254,
                 ignore_index=255, loss_name='loss_energy'):
        super().__init__()
        self.m_in, self.m_out, self.temperature = m_in, m_out, temperature
        self.loss_weight = loss_weight
        self.ood_index, self.ignore_index = ood_index, ignore_index
        self.loss_name = loss_name

    def forward(self, outputs, labels):
        ood, inlier = outlier_masks(labels, self.ood_index, self.ignore_index)
        logits = resize_to(class_scores(layer_outputs(outputs, all_layers=False)[0]),
                           labels.shape[-2:])
        free_energy = energy(logits, self.temperature)
        return {self.loss_name: self.loss_weight *
                energy_oe_loss(free_energy, ood, inlier, self.m_in, self.m_out)}
