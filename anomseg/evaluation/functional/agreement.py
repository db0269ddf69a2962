import numpy as np

from anomseg.utils.errors import InputError


def prediction_agreement(pred_a, pred_b, inlier, num_classes):
    """How far a fine-tuned model keeps a reference model's closed-set segmentation, on the
    inlier pixels of one frame: returns (agreeing pixels, inlier pixels, per-class agreeing and
    per-class totals over the reference's predicted class), all integer counts, so that frames add
    up; the agreement is

        A = |{x in I: argmax_k a_k(x) = argmax_k b_k(x)}| / |I|,   I the inlier pixels.
    """
    if not pred_a.shape == pred_b.shape == inlier.shape:
        raise InputError(f'shapes differ: {pred_a.shape}, {pred_b.shape}, {inlier.shape}')
    a, b = pred_a[inlier], pred_b[inlier]
    same = a == b
    totals = np.bincount(a, minlength=num_classes)[:num_classes]
    agree = np.bincount(a[same], minlength=num_classes)[:num_classes]
    return int(same.sum()), int(inlier.sum()), agree, totals
