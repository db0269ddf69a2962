import numpy as np
import pytest

from anomseg.evaluation.functional import prediction_agreement


def test_agreement_counts_inlier_pixels_only():
    ref = np.array([[0, 0, 1, 2],
                    [1, 1, 2, 2]])
    tuned = np.array([[0, 1, 1, 2],
                      [1, 0, 0, 2]])
    inlier = np.array([[True, True, True, False],
                       [True, True, False, True]])
    agree, total, cls_agree, cls_total = prediction_agreement(ref, tuned, inlier, 3)
    # inlier pixels: (0,0) 0=0, (0,1) 0!=1, (0,2) 1=1, (1,0) 1=1, (1,1) 1!=0, (1,3) 2=2
    assert (agree, total) == (4, 6)
    assert cls_total.tolist() == [2, 3, 1] and cls_agree.tolist() == [1, 2, 1]


def test_agreement_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match='shapes differ'):
        prediction_agreement(np.zeros((2, 2), int), np.zeros((2, 3), int),
                             np.ones((2, 2), bool), 2)
