"""Patient-level answers from pixel anomaly maps: "does this patient have a lesion?"

A patient's score aggregates the anomaly map of all its slices over the predicted organ: the
``quantile`` (default 0.99) of the scores of the voxels the model assigns to the organ's classes,
grown by a margin. Why this aggregation:

- inside the predicted organ, because lesions lie in or on the organ and everything else
  (background, other tissue, the image border) only adds false alarms; the prediction, not the
  labels, defines it, so the same score exists for a patient without labels (``tools/infer.py``);
- a high quantile rather than the maximum, because the maximum is one voxel and follows the
  noisiest voxel of the largest organ; the 99th percentile needs about 1% of the organ to look
  anomalous, the size of a small lesion (EMIDEC: infarcts are 2-20% of the myocardium);
- rather than the mean, which a lesion of a few percent barely moves.

Patient AUROC is the Mann-Whitney statistic (ties count one half). Sensitivity at a fixed
specificity is read off the empirical ROC without interpolation: the highest true-positive rate
of a threshold ``score >= t`` that keeps at least ``specificity`` of the negative patients
below t.
"""
import numpy as np
from scipy.stats import mannwhitneyu

PATIENT_QUANTILE = 0.99


def patient_score(organ_scores, all_scores=None, quantile=PATIENT_QUANTILE):
    """The ``quantile`` of ``organ_scores`` (the scores inside the predicted organ, any shape);
    where the organ is empty, of ``all_scores`` (the whole volume) instead. Linear
    interpolation between order statistics (numpy's default)."""
    scores = np.asarray(organ_scores, np.float64).ravel()
    if not scores.size:
        scores = np.asarray(all_scores if all_scores is not None else [], np.float64).ravel()
    if not scores.size:
        raise ValueError('a patient without a single score')
    return float(np.quantile(scores, quantile))


def patient_auroc(scores, labels):
    """P(score of a positive patient > score of a negative one) + P(equal) / 2 (the
    Mann-Whitney U statistic over the number of pairs); NaN unless both kinds are present."""
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels, bool)
    pos, neg = scores[labels], scores[~labels]
    if not pos.size or not neg.size:
        return float('nan')
    return float(mannwhitneyu(pos, neg).statistic / (pos.size * neg.size))


def sensitivity_at_specificity(scores, labels, specificity=0.9):
    """(sensitivity, threshold): the largest fraction of positive patients with score >= t over
    the thresholds t that leave at least ``specificity`` of the negatives below t. NaN without
    both kinds of patient."""
    scores, labels = np.asarray(scores, np.float64), np.asarray(labels, bool)
    pos, neg = scores[labels], scores[~labels]
    if not pos.size or not neg.size:
        return float('nan'), float('nan')
    best, best_t = 0.0, float('inf')
    for t in np.unique(scores)[::-1]:  # descending: specificity only falls
        if np.mean(neg < t) < specificity:
            break
        best, best_t = float(np.mean(pos >= t)), float(t)
    return best, best_t
