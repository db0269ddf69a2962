"""Anomaly scores of per-pixel classifiers: (N, C, H, W) class logits in, (N, H, W) out.

Higher means more anomalous for every scorer. Softmax is taken over the C known classes. On a
mask-classification model the class scores are L_k(x) = sum_q softmax(c_q)_k sigmoid(m_q(x))
(``QueryOutputs.class_scores``), so these give max-softmax / max-logit / entropy / energy on L_k.
"""
import torch

from .builder import register_scorer


@register_scorer('msp')
def max_softmax(logits: torch.Tensor) -> torch.Tensor:
    """Maximum softmax probability baseline (Hendrycks & Gimpel, ICLR 2017).

    s(x) = 1 - max_c softmax(z(x))_c
    """
    return 1 - logits.softmax(dim=1).amax(dim=1)


@register_scorer('max_logit')
def max_logit(logits: torch.Tensor) -> torch.Tensor:
    """Negated maximum logit (Hendrycks et al., ICML 2022, "Scaling OOD detection").

    s(x) = -max_c z_c(x)
    """
    return -logits.amax(dim=1)


@register_scorer('entropy')
def entropy(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of the softmax distribution, in nats.

    s(x) = -sum_c p_c(x) log p_c(x),  p = softmax(z)
    """
    log_p = logits.log_softmax(dim=1)
    p = log_p.exp()
    # in place where autograd does not need p: one full-size temporary less
    p_log_p = p * log_p if p.requires_grad else p.mul_(log_p)
    return -p_log_p.sum(dim=1)


@register_scorer('energy')
def energy(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """Free energy (Liu et al., NeurIPS 2020, "Energy-based out-of-distribution detection").

    s(x) = -T logsumexp_c(z_c(x) / T)
    """
    return -temperature * torch.logsumexp(logits / temperature, dim=1)
