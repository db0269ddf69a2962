import torch

from .builder import register_scorer


@register_scorer('rba', inputs='queries')
def rba(outputs) -> torch.Tensor:
    """Rejected by All (Nayal et al., ICCV 2023, "RbA: Segmenting Unknown Regions Rejected by
    All"): a pixel that every known class's mask rejects is an outlier.

    s(x) = -sum_k tanh(L_k(x)),   L_k(x) = sum_q softmax(c_q)_k sigmoid(m_q(x))

    over the K known classes (no-object column dropped, no renormalisation).
    """
    return -torch.tanh(outputs.class_scores).sum(dim=1)
