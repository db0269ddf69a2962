"""Mask-classification scorers against values worked out with plain Python arithmetic."""
import math

import pytest
import torch

from anomseg.models.scorers import (QueryOutputs, eam, energy, mask2anomaly, max_logit,
                                    max_softmax, maxquery, rba, uno)

# One image, two queries, K = 2 known classes + no-object, two pixels.
CLS = [[2.0, 0.0, 0.0],    # query 0: class 0
       [0.0, 1.0, -1.0]]   # query 1: class 1
MASK = [[[0.0, 2.0]],      # query 0 mask logits at pixels (0, 0) and (0, 1)
        [[math.log(3), -1.0]]]


def softmax(z):
    e = [math.exp(v) for v in z]
    return [v / sum(e) for v in e]


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


P = [softmax(c) for c in CLS]
S = [[sigmoid(v) for v in MASK[q][0]] for q in range(2)]  # S[q][pixel]
L = [[sum(P[q][k] * S[q][x] for q in range(2)) for x in range(2)] for k in range(2)]  # L[k][x]


def outputs(cls=CLS, mask=MASK, num_known=None):
    return QueryOutputs(torch.tensor([cls], dtype=torch.float64),
                        torch.tensor([mask], dtype=torch.float64), num_known)


def close(tensor, values):
    return torch.allclose(tensor, torch.tensor([[values]], dtype=torch.float64), atol=1e-12)


def test_class_scores_drop_no_object_without_renormalising():
    assert close(outputs().class_scores[:, 0], L[0]) and close(outputs().class_scores[:, 1], L[1])


def test_rba():
    assert close(rba(outputs()), [-(math.tanh(L[0][x]) + math.tanh(L[1][x])) for x in range(2)])


def test_mask2anomaly():
    assert close(mask2anomaly(outputs()), [1 - max(L[0][x], L[1][x]) for x in range(2)])


def test_eam():
    expected = [1 - sum(S[q][x] * max(P[q][:2]) for q in range(2)) for x in range(2)]
    assert close(eam(outputs()), expected)


def test_votes_are_weighted_sums_over_queries_at_every_pixel():
    """mask_vote (one weight per query) and class_scores (p_qk of K = 3 known classes) against
    the sum over queries at each pixel, with N = 2 images and H != W (the product's reshape)."""
    torch.manual_seed(0)
    cls, masks, weight = torch.randn(2, 3, 4), torch.randn(2, 3, 4, 5), torch.rand(2, 3)
    out = QueryOutputs(cls, masks)
    vote, scores = out.mask_vote(weight), out.class_scores
    assert vote.shape == (2, 4, 5) and scores.shape == (2, 3, 4, 5)
    for n in range(2):
        probs = [softmax([float(v) for v in cls[n, q]]) for q in range(3)]
        for i in range(4):
            for j in range(5):
                s = [sigmoid(float(masks[n, q, i, j])) for q in range(3)]
                want = sum(float(weight[n, q]) * s[q] for q in range(3))
                assert float(vote[n, i, j]) == pytest.approx(want, abs=1e-6)
                for k in range(3):
                    want = sum(probs[q][k] * s[q] for q in range(3))
                    assert float(scores[n, k, i, j]) == pytest.approx(want, abs=1e-6)


def test_uno_with_negative_class():
    cls = [[2.0, 0.0, 0.5, 0.0], [0.0, 1.0, 1.5, -1.0]]  # K = 2, negative, no-object
    p = [softmax(c) for c in cls]
    expected = [-sum(S[q][x] * (max(p[q][:2]) - p[q][2]) for q in range(2)) for x in range(2)]
    assert close(uno(outputs(cls, num_known=2)), expected)
    with pytest.raises(ValueError, match='negative class'):
        uno(outputs())


def test_maxquery_uses_inlier_queries_only():
    # query 1 now predicts no-object: only query 0's mask logits count
    cls = [[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]]
    assert close(maxquery(outputs(cls)), [-MASK[0][0][0], -MASK[0][0][1]])
    # both inlier: the largest logit of the two
    assert close(maxquery(outputs()),
                 [-max(MASK[0][0][x], MASK[1][0][x]) for x in range(2)])
    # no inlier query at all: every query counts
    cls = [[0.0, 0.0, 3.0], [0.0, 0.0, 3.0]]
    assert close(maxquery(outputs(cls)), [-max(MASK[0][0][x], MASK[1][0][x]) for x in range(2)])


def test_pixel_scorers_on_class_scores():
    logits = outputs().class_scores
    assert close(max_softmax(logits), [1 - max(softmax([L[0][x], L[1][x]])) for x in range(2)])
    assert close(max_logit(logits), [-max(L[0][x], L[1][x]) for x in range(2)])
    assert close(energy(logits), [-math.log(math.exp(L[0][x]) + math.exp(L[1][x]))
                                  for x in range(2)])


def test_shapes_are_checked():
    with pytest.raises(ValueError, match='do not match'):
        QueryOutputs(torch.zeros(1, 3, 4), torch.zeros(1, 2, 5, 5))


def test_maxquery_running_maximum_equals_the_masked_maximum():
    import torch

    from anomseg.models.scorers import QueryOutputs
    torch.manual_seed(0)
    cls = torch.randn(3, 6, 5) * 3
    cls[2, :, -1] = 10  # sample 2: no inlier query, every query counts
    masks = torch.randn(3, 6, 7, 9)
    out = QueryOutputs(cls, masks, num_known=4)
    inlier = cls.softmax(-1).argmax(-1) < 4
    inlier[2] = True
    want = -masks.masked_fill(~inlier[..., None, None], float('-inf')).amax(1)
    assert torch.equal(maxquery(out), want)
    # the graph an ONNX export traces (gathered inlier queries) keeps the inlier set an input:
    # traced on other logits, it gives the same maps on these
    traced = torch.jit.trace(lambda c, m: maxquery(QueryOutputs(c, m, num_known=4)),
                             (torch.randn(3, 6, 5), torch.randn(3, 6, 7, 9)), check_trace=False)
    assert torch.equal(traced(cls, masks), want)
