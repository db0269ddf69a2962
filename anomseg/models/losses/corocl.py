import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.registry import MODELS

from .utils import outlier_masks


def supervised_info_nce(embeddings, labels, temperature=0.1, num_anchors=None):
    """CoroCL's contrastive loss (RPL, Liu et al., ICCV 2023; after Zhou et al.'s pixel
    contrast): with unit embeddings e, s_ij = e_i . e_j / tau, anchors the first ``num_anchors``
    rows (default all) and every row a contrast,

        L = mean_i -1/|P(i)| sum_{j in P(i)} log(e^s_ij / (e^s_ij + sum_{k in N(i)} e^s_ik))

    where P(i) holds the rows of i's label except i itself and N(i) those of the other label.
    Anchors with no positive are left out; with no anchor left the loss is 0.
    """
    n = embeddings.shape[0]
    num_anchors = n if num_anchors is None else num_anchors
    sim = embeddings[:num_anchors] @ embeddings.T / temperature
    same = labels[:num_anchors, None] == labels[None]
    self_pair = torch.zeros_like(same)
    self_pair[:, :num_anchors] = torch.eye(num_anchors, dtype=torch.bool, device=sim.device)
    pos, neg = same & ~self_pair, ~same
    sim = sim - sim.amax(dim=1, keepdim=True).detach()
    neg_sum = (sim.exp() * neg).sum(dim=1, keepdim=True)
    log_prob = sim - torch.log(sim.exp() + neg_sum)
    count = pos.sum(dim=1)
    per_anchor = -(log_prob * pos).sum(dim=1) / count.clamp(min=1)
    valid = count > 0
    return (per_anchor * valid).sum() / valid.sum().clamp(min=1)


def sample_groups(embeddings, ood, inlier, max_per_group=512, generator=None):
    """Draw the same number k = min(max_per_group, #outliers, #inliers) of outlier and of inlier
    pixels of (N, D, h, w) ``embeddings``: returns (2k, D) unit vectors and labels (1 outlier,
    0 inlier)."""
    flat = F.normalize(embeddings, dim=1).permute(0, 2, 3, 1).reshape(-1, embeddings.shape[1])
    out_idx = ood.flatten().nonzero()[:, 0]
    in_idx = inlier.flatten().nonzero()[:, 0]
    k = min(max_per_group, len(out_idx), len(in_idx))
    pick = lambda idx: idx[torch.randperm(len(idx), generator=generator,  # noqa: E731
                                          device=idx.device)[:k]]
    rows = torch.cat([pick(out_idx), pick(in_idx)])
    labels = torch.cat([torch.ones(k, dtype=torch.long), torch.zeros(k, dtype=torch.long)])
    return flat[rows], labels.to(flat.device)


@MODELS.register_module()
class CoroCLLoss(nn.Module):
    """CoroCL on projected features: up to ``max_per_group`` (512) outlier and inlier pixels of the
    batch (labels brought to the feature size by nearest sampling), temperature 0.1. RPL also
    draws contrasts from the outlier images' own context; here every pixel comes from the pasted
    training images."""

    def __init__(self, temperature=0.1, max_per_group=512, loss_weight=1.0, ood_index=254,
                 ignore_index=255, loss_name='loss_corocl'):
        super().__init__()
        self.temperature, self.max_per_group = temperature, max_per_group
        self.loss_weight = loss_weight
        self.ood_index, self.ignore_index = ood_index, ignore_index
        self.loss_name = loss_name

    def forward(self, embeddings, labels):
        small = F.interpolate(labels[:, None].float(), size=embeddings.shape[-2:],
                              mode='nearest')[:, 0].long()
        ood, inlier = outlier_masks(small, self.ood_index, self.ignore_index)
        emb, lab = sample_groups(embeddings, ood, inlier, self.max_per_group)
        if len(lab) == 0:
            return {self.loss_name: embeddings.sum() * 0}
        return {self.loss_name: self.loss_weight *
                supervised_info_nce(emb, lab, self.temperature)}
