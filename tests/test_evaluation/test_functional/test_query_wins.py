import numpy as np
import pytest

from anomseg.evaluation.functional import query_wins


def test_query_wins_by_hand():
    # 3 queries, K = 2 known classes + no-object; a 1x4 frame
    probs = np.array([[0.8, 0.1, 0.1],    # query 0: class 0, strength 0.8
                      [0.2, 0.5, 0.3],    # query 1: class 1, strength 0.5
                      [0.1, 0.2, 0.7]])   # query 2: no-object, strength 0.2
    masks = np.array([[[0.9, 0.1, 0.1, 0.5]],
                      [[0.1, 0.9, 0.1, 0.8]],
                      [[0.1, 0.1, 0.9, 0.0]]])
    labels = np.array([[0, 0, 1, 1]])
    # claims: px0 .72 .05 .02 -> q0; px1 .08 .45 .02 -> q1; px2 .08 .05 .18 -> q2;
    # px3 .40 .40 0 -> q0 (first on ties)
    out = query_wins(probs, masks, labels, num_known=2)
    assert out['inlier']['pixels'] == 2 and out['anomaly']['pixels'] == 2
    assert out['inlier']['by_query'].tolist() == [1, 1, 0]
    assert out['inlier']['by_class'].tolist() == [1, 1, 0]
    assert out['anomaly']['by_query'].tolist() == [1, 0, 1]
    assert out['anomaly']['by_class'].tolist() == [1, 0, 1]  # q2 is a no-object query
    assert out['inlier']['claim_sum'] == pytest.approx(0.72 + 0.45)
    assert out['anomaly']['claim_sum'] == pytest.approx(0.18 + 0.40)


def test_query_wins_against_a_pixel_by_pixel_loop():
    rng = np.random.default_rng(3)
    for _ in range(20):
        q, c, h, w = rng.integers(1, 6), rng.integers(2, 5), rng.integers(1, 7), rng.integers(1, 7)
        logits = rng.normal(size=(q, c))
        probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        masks = rng.random((q, h, w)).astype(np.float32)
        labels = rng.choice([0, 1, 255], (h, w))
        k = c - 1
        out = query_wins(probs, masks, labels, num_known=k)
        for name, value in (('anomaly', 1), ('inlier', 0)):
            by_query, by_class, claim = np.zeros(q, int), np.zeros(c, int), 0.0
            for y in range(h):
                for x in range(w):
                    if labels[y, x] != value:
                        continue
                    claims = [max(probs[j, :k]) * masks[j, y, x] for j in range(q)]
                    best = claims.index(max(claims))
                    by_query[best] += 1
                    by_class[list(probs[best]).index(max(probs[best]))] += 1
                    claim += claims[best]
            assert out[name]['by_query'].tolist() == by_query.tolist()
            assert out[name]['by_class'].tolist() == by_class.tolist()
            assert out[name]['claim_sum'] == pytest.approx(claim, rel=1e-5)


def test_query_wins_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match='do not match'):
        query_wins(np.ones((2, 3)) / 3, np.ones((2, 4, 4)), np.zeros((4, 5)), num_known=2)
