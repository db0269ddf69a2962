"""Anomaly scores of the mask-classification peers of RbA, from a QueryOutputs.

p_qk = softmax(c_q)_k over all classes (no-object included), k restricted to the K known ones.
"""
import torch

from anomseg.utils.errors import InputError
from .builder import register_scorer


@register_scorer('mask2anomaly', inputs='queries')
def mask2anomaly(outputs) -> torch.Tensor:
    """Mask2Anomaly (Rai et al., ICCV 2023): one minus the strongest known-class mask score.

    s(x) = 1 - max_k L_k(x)
    """
    return 1 - outputs.class_scores.amax(dim=1)


@register_scorer('eam', inputs='queries')
def eam(outputs) -> torch.Tensor:
    """Ensemble over anomaly masks (Grcic et al., "On advantages of mask-level recognition for
    outlier-aware segmentation", CVPRW 2023): each query votes with its mask, weighted by its
    top known-class probability.

    s(x) = 1 - sum_q sigmoid(m_q(x)) * max_k p_qk
    """
    weight = outputs.known_probs.amax(dim=-1)  # (N, Q)
    return 1 - outputs.mask_vote(weight)


@register_scorer('uno', inputs='queries')
def uno(outputs) -> torch.Tensor:
    """UNO (Delic et al., BMVC 2024, "Outlier detection by ensembling uncertainty with negative
    objectness"), for heads trained with K + 2 classes: K known, a negative (outlier) class at
    column K, no-object last.

    s(x) = -sum_q sigmoid(m_q(x)) * (max_k p_qk - p_q,neg)
    """
    if outputs.cls_logits.shape[-1] < outputs.num_known + 2:
        raise InputError('uno needs a head with a negative class: K + 2 class columns, got '
                         f'{outputs.cls_logits.shape[-1]} for K = {outputs.num_known}')
    margin = outputs.known_probs.amax(dim=-1) - outputs.class_probs[..., outputs.num_known]
    return -outputs.mask_vote(margin)
