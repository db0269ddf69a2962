"""Which query of a mask-classification head wins each pixel, and with what class: the evidence
behind RbA's claim (Nayal et al., ICCV 2023) that a mask head rejects what no query claims.

At pixel x the head scores known class k as L_k(x) = sum_q p_qk m_q(x) (p_q: softmax of query
q's class logits, no-object included; m_q: its sigmoid mask). The query that wins x is the one
whose claim on x for a known class is strongest,

    q*(x) = argmax_q max_{k < K} p_qk m_q(x)    (the first such query on ties),

and its class is argmax_c p_q*c over all C columns, so a winner may be a no-object query. On
the anomaly pixels (label 1) and the inlier pixels (label 0), apart, this counts the pixels each
query and each class wins and sums the winning claim max_k p_q*k m_q*(x), the term that
decides the pixel's largest class score; other labels are void."""
import numpy as np


def query_wins(class_probs, mask_probs, labels, num_known):
    """``class_probs`` (Q, C) softmax probabilities; ``mask_probs`` (Q, H, W) sigmoid masks;
    ``labels`` (H, W); ``num_known`` K. Returns {'anomaly': ..., 'inlier': ...}, each
    dict(pixels, by_query (Q,) int64, by_class (C,) int64, claim_sum float)."""
    class_probs, mask_probs = np.asarray(class_probs), np.asarray(mask_probs)
    if mask_probs.shape[0] != class_probs.shape[0] or mask_probs.shape[1:] != labels.shape:
        raise ValueError(f'class_probs {class_probs.shape}, mask_probs {mask_probs.shape} and '
                         f'labels {labels.shape} do not match')
    strength = class_probs[:, :num_known].max(axis=1).astype(mask_probs.dtype)  # max_k p_qk
    # a running maximum over the queries: no (Q, H, W) array beside the masks
    winner = np.zeros(labels.shape, np.intp)
    winning_claim = np.full(labels.shape, -np.inf, mask_probs.dtype)
    for q, (mask, s) in enumerate(zip(mask_probs, strength)):
        claim = mask * s
        better = claim > winning_claim  # strictly: the first query keeps a tie
        winner[better], winning_claim[better] = q, claim[better]
    query_class = class_probs.argmax(axis=1)
    out = {}
    for name, value in (('anomaly', 1), ('inlier', 0)):
        where = labels == value
        by_query = np.bincount(winner[where], minlength=class_probs.shape[0])
        out[name] = dict(
            pixels=int(where.sum()), by_query=by_query,
            by_class=np.bincount(query_class, weights=by_query,
                                 minlength=class_probs.shape[1]).astype(np.int64),
            claim_sum=float(winning_claim[where].sum(dtype=np.float64)))
    return out
