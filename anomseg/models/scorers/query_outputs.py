from functools import cached_property

import torch


class QueryOutputs:
    """Last decoder layer of a mask-classification head (Mask2Former), at one resolution.

    cls_logits:  (N, Q, C) per-query class logits: the K known classes first, then optional extra
                 columns (UNO's negative class), the no-object class last.
    mask_logits: (N, Q, H, W) per-query mask logits m_q(x).
    num_known:   K (default C - 1).
    class_scores: (N, K, H, W) L_k(x) if already computed (mmseg's Mask2Former computes it for
                 its semantic prediction); otherwise derived here.
    Derived tensors are computed once and shared by every scorer of a forward pass.
    """

    def __init__(self, cls_logits, mask_logits, num_known=None, class_scores=None):
        if cls_logits.dim() != 3 or mask_logits.dim() != 4 or \
                cls_logits.shape[:2] != mask_logits.shape[:2]:
            raise ValueError(f'cls_logits (N, Q, C) and mask_logits (N, Q, H, W) do not match: '
                             f'{tuple(cls_logits.shape)} vs {tuple(mask_logits.shape)}')
        self.cls_logits = cls_logits
        self.mask_logits = mask_logits
        self.num_known = cls_logits.shape[-1] - 1 if num_known is None else num_known
        if class_scores is not None:
            self.__dict__['class_scores'] = class_scores

    @cached_property
    def class_probs(self):
        """softmax over all C columns, no-object included: (N, Q, C)."""
        return self.cls_logits.softmax(dim=-1)

    @cached_property
    def known_probs(self):
        """p_qk over the K known classes (no renormalisation): (N, Q, K)."""
        return self.class_probs[..., :self.num_known]

    @cached_property
    def mask_probs(self):
        """sigmoid(m_q(x)): (N, Q, H, W)."""
        return self.mask_logits.sigmoid()

    @cached_property
    def class_scores(self):
        """L_k(x) = sum_q p_qk sigmoid(m_q(x)) over the K known classes: (N, K, H, W)."""
        return self.votes(self.known_probs.transpose(1, 2))

    def mask_vote(self, weight):
        """sum_q w_q sigmoid(m_q(x)) for per-query weights ``weight`` (N, Q): (N, H, W)."""
        return self.votes(weight[:, None])[:, 0]

    def votes(self, weights):
        """sum_q w_rq sigmoid(m_q(x)) for R rows of per-query weights ``weights`` (N, R, Q):
        (N, R, H, W). One matrix product (N, R, Q) @ (N, Q, H*W): the same sum as
        ``einsum('nrq,nqhw->nrhw')``, which onnxruntime runs about three times slower."""
        probs = self.mask_probs
        return torch.matmul(weights, probs.flatten(2)).view(
            *weights.shape[:2], *probs.shape[2:])
