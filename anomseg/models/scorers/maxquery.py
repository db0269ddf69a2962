import torch

from .builder import register_scorer


@register_scorer('maxquery', inputs='queries')
def maxquery(outputs) -> torch.Tensor:
    """MaxQuery (Yuan et al., CVPR 2023, "Devil is in the Queries: Advancing Mask Transformers
    for Real-world Medical Image Segmentation and Out-of-Distribution Localization").

    A mask logit m_q(x) is the affinity (dot product) between pixel x's embedding and query q,
    the query acting as a cluster centre. A pixel that no inlier query claims, i.e. whose
    largest affinity to the inlier queries is small, is out of distribution:

        s(x) = -max_{q in Q_in} m_q(x),   Q_in = {q : argmax_c softmax(c_q)_c is a known class}

    Our reading of the paper: queries predicted as no-object (or as an extra class such as a
    negative class) are not inlier cluster centres and are left out; if an image has no inlier
    query, all queries count. Raw logits rather than sigmoid(m_q) are used: sigmoid is monotone,
    so every ranking metric is the same, and logits keep the resolution of large affinities.
    """
    inlier = outputs.class_probs.argmax(dim=-1) < outputs.num_known  # (N, Q)
    inlier = inlier | ~inlier.any(dim=1, keepdim=True)
    # a running maximum over the inlier queries' maps: no masked copy of all Q full-size maps
    # (which took 85% of this scorer's time)
    logits = outputs.mask_logits
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        # no data-dependent loop: each image's inlier queries' maps gathered (NonZero, Gather)
        # from the (N * Q, H, W) view (a reshape: no copy of all Q maps, as a masked fill or a
        # split over the batch would make), then one maximum
        maps, num_queries = logits.flatten(0, 1), logits.shape[1]
        return torch.stack([
            -maps.index_select(0, inlier[n].nonzero()[:, 0] + n * num_queries).amax(dim=0)
            for n in range(logits.shape[0])])  # the traced batch size, as every shape here
    out = torch.empty((logits.shape[0],) + logits.shape[2:], dtype=logits.dtype,
                      device=logits.device)
    for n, queries in enumerate(inlier):
        index = queries.nonzero()[:, 0].tolist()
        out[n] = logits[n, index[0]]
        for q in index[1:]:
            torch.maximum(out[n], logits[n, q], out=out[n])
    return out.neg_()
