import itertools

import numpy as np
import pytest

from anomseg.evaluation.functional import (patient_auroc, patient_score,
                                           sensitivity_at_specificity)


def test_patient_score_is_the_quantile_of_the_organ():
    organ = np.arange(101, dtype=np.float32)  # 0..100: the 0.99 quantile is 99
    assert patient_score(organ, quantile=0.99) == pytest.approx(99.0)
    assert patient_score(organ, quantile=1.0) == 100.0
    # an empty organ falls back to the whole volume
    assert patient_score([], np.array([[1.0, 5.0]]), quantile=1.0) == 5.0
    with pytest.raises(ValueError):
        patient_score([], None)


def brute_auroc(scores, labels):
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_patient_auroc_by_hand_and_against_pairs():
    # positives 0.9, 0.4; negatives 0.5, 0.1: pairs won 1, 1, 0, 1 -> 3/4
    assert patient_auroc([0.9, 0.4, 0.5, 0.1], [1, 1, 0, 0]) == 0.75
    assert patient_auroc([0.5, 0.5], [1, 0]) == 0.5  # a tie counts one half
    assert np.isnan(patient_auroc([0.3, 0.2], [1, 1]))
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(2, 30))
        scores = rng.integers(0, 6, n).astype(float)  # many ties
        labels = rng.random(n) < 0.5
        if labels.all() or not labels.any():
            continue
        assert patient_auroc(scores, labels) == pytest.approx(brute_auroc(scores, labels))


def test_sensitivity_at_specificity_by_hand():
    # negatives 0..9, positives 9.5, 8.5, 7.5, 3. At 90% specificity the threshold may go down
    # to 8.5 (only the negative 9 reaches it): 9.5 and 8.5 pass, 2 of 4. At 80% it may go down
    # to 7.5 (negatives 8 and 9 reach it): 3 of 4; 7 would let a third negative through.
    scores = list(range(10)) + [9.5, 8.5, 7.5, 3]
    labels = [0] * 10 + [1] * 4
    sensitivity, threshold = sensitivity_at_specificity(scores, labels, 0.9)
    assert sensitivity == 0.5 and threshold == 8.5
    assert sensitivity_at_specificity(scores, labels, 0.8) == (0.75, 7.5)
    # every negative above every positive: nothing passes at 90% specificity
    assert sensitivity_at_specificity([5, 6, 1], [0, 0, 1], 0.9)[0] == 0.0
    assert np.isnan(sensitivity_at_specificity([1, 2], [0, 0])[0])
