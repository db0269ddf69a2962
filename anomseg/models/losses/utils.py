"""Shared pieces of the outlier-exposure losses: which pixels are outliers, means that stay
finite on empty sets, and head outputs brought to the label's resolution."""
import torch
import torch.nn.functional as F

from anomseg.models.scorers import QueryOutputs


def outlier_masks(labels, ood_index=254, ignore_index=255):
    """(outlier, inlier) boolean masks of an (N, H, W) label map: outliers carry ``ood_index``,
    inliers any other label but ``ignore_index``."""
    ood = labels == ood_index
    return ood, ~ood & (labels != ignore_index)


def masked_mean(values, mask):
    """Mean of ``values`` over ``mask``; 0 (with a gradient path) when the mask is empty, so a
    batch without pasted outliers gives no NaN and no division by zero."""
    mask = mask.to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp(min=1)


def resize_to(x, size):
    """Bilinear resize of (N, C, h, w) or (N, h, w) to ``size`` (identity when equal)."""
    squeeze = x.dim() == 3
    if squeeze:
        x = x[:, None]
    if tuple(x.shape[-2:]) != tuple(size):
        x = F.interpolate(x, size=size, mode='bilinear', align_corners=False)
    return x[:, 0] if squeeze else x


def layer_outputs(outputs, all_layers=True):
    """Head outputs as a list of per-layer inputs for a loss: a per-pixel head's logits tensor
    gives [logits]; a mask head's (all_cls_scores, all_mask_preds) gives one ``QueryOutputs`` per
    decoder layer (the last only, unless ``all_layers``)."""
    if torch.is_tensor(outputs):
        return [outputs]
    all_cls, all_masks = outputs
    pairs = list(zip(all_cls, all_masks))
    return [QueryOutputs(c, m) for c, m in (pairs if all_layers else pairs[-1:])]


def class_scores(layer):
    """Per-pixel class scores of one layer: logits as they are, or L_k(x) of a QueryOutputs."""
    return layer if torch.is_tensor(layer) else layer.class_scores
