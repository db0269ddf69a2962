"""Lesion-wise detection over 3D connected components, after the BraTS 2023 lesion-wise
evaluation (Saluja et al., BraTS-2023-Metrics; also its MSD-style use for any lesion class).

For one patient volume (slices stacked in order), a binary prediction and the labelled lesions
(1 lesion, 0 not, 255 void):

1. predicted voxels in void are dropped (outside the region of interest);
2. lesions and predictions are split into components by 26-connectivity;
3. labelled components closer than ``dilation`` voxels merge into one lesion: a lesion is a
   component of the labels grown by ``dilation`` steps of the 18-neighbourhood (scipy's
   ``generate_binary_structure(3, 2)``), holding only its labelled voxels;
4. a lesion is detected (TP) when a predicted component touches the lesion grown by ``dilation``
   steps, missed (FN) otherwise; a predicted component that touches no grown lesion is a false
   positive (FP). With ``min_iou`` > 0 a detection must also reach that IoU between the lesion
   and the union of the components touching it (else the lesion is missed and those components
   are false positives): under BraTS's rule (``min_iou=0``) one blob over a whole organ detects
   every lesion in it;
5. lesions smaller than ``min_voxels`` are left out of TP and FN (BraTS drops lesions at or under
   its volume threshold, 50 voxels of 1 mm^3 for gliomas, 2 for metastases); predicted components
   smaller than ``min_pred_voxels`` are dropped before matching (BraTS keeps them all, the
   default 0; SegmentMeIfYouCan drops small predicted components, since a noisy map breaks into
   many specks that are no finding a reader would act on);
6. lesion Dice: per lesion, 2 |L & P| / (|L| + |P|) with P the predicted components that touch it;
   the patient's lesion-wise Dice is their sum over (lesions kept + FP), 1 for a patient with
   neither.

Over patients: precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN)
with the counts summed, and the lesion-wise Dice averaged over patients (as BraTS ranks it).
"""
import numpy as np
from scipy import ndimage

CONNECTIVITY_26 = np.ones((3, 3, 3), bool)
GROWTH_18 = ndimage.generate_binary_structure(3, 2)


def _grow(mask, steps):
    return ndimage.binary_dilation(mask, GROWTH_18, iterations=steps) if steps else mask


def patient_lesions(predicted, labels, dilation=1, min_voxels=0, min_pred_voxels=0,
                    min_iou=0.0):
    """dict(tp, fn, fp, lesion_dice) of one patient: ``predicted`` (bool, Z x H x W) against
    ``labels`` (1 lesion, 0 not, 255 void) of the same shape."""
    labels = np.asarray(labels)
    if predicted.shape != labels.shape:
        raise ValueError(f'prediction {predicted.shape} and labels {labels.shape} differ')
    lesion = labels == 1
    predicted = np.asarray(predicted, bool) & (labels != 255)
    pred_ids, num_pred = ndimage.label(predicted, CONNECTIVITY_26)
    if min_pred_voxels and num_pred:
        keep = np.bincount(pred_ids.ravel(), minlength=num_pred + 1) >= min_pred_voxels
        keep[0] = False
        renumber = np.cumsum(keep) * keep
        pred_ids, num_pred = renumber[pred_ids], int(keep.sum())
    raw_ids, _ = ndimage.label(lesion, CONNECTIVITY_26)
    grown_ids, num_lesions = ndimage.label(_grow(lesion, dilation), CONNECTIVITY_26)
    lesion_ids = np.where(raw_ids > 0, grown_ids, 0)  # merged by growth, labelled voxels only
    pred_sizes = np.bincount(pred_ids.ravel(), minlength=num_pred + 1)
    tp = fn = 0
    matched = np.zeros(num_pred + 1, bool)
    small = np.zeros(num_pred + 1, bool)  # touching lesions left out: neither TP nor FP
    dice = []
    # each lesion in its bounding box grown by the tolerance: the work follows the lesions'
    # size, not the volume's
    for k, box in enumerate(ndimage.find_objects(lesion_ids), start=1):
        if box is None:
            continue
        box = tuple(slice(max(b.start - dilation, 0), b.stop + dilation) for b in box)
        this = lesion_ids[box] == k
        size = int(this.sum())
        near = pred_ids[box]
        hits = np.unique(near[_grow(this, dilation)])
        hits = hits[hits > 0]
        if size < min_voxels:
            small[hits] = True
            continue
        overlap = int(np.count_nonzero(np.isin(near, hits) & this)) if hits.size else 0
        found = int(pred_sizes[hits].sum())
        if hits.size and overlap / (size + found - overlap) >= min_iou:
            tp += 1
            matched[hits] = True
            dice.append(2.0 * overlap / (size + found))
        else:
            fn += 1
            dice.append(0.0)
    fp = int(np.count_nonzero(~(matched | small)[1:]))
    denominator = len(dice) + fp
    return dict(tp=tp, fn=fn, fp=fp,
                lesion_dice=float(sum(dice) / denominator) if denominator else 1.0)


def lesion_metrics(patients):
    """Precision, recall, F1 of the summed counts and the mean lesion-wise Dice of a list of
    ``patient_lesions`` results (NaN where a denominator is zero)."""
    tp, fn, fp = (sum(p[k] for p in patients) for k in ('tp', 'fn', 'fp'))

    def ratio(a, b):
        return a / b if b else float('nan')

    return dict(lesion_precision=ratio(tp, tp + fp), lesion_recall=ratio(tp, tp + fn),
                lesion_F1=ratio(2 * tp, 2 * tp + fp + fn),
                lesion_dice=float(np.mean([p['lesion_dice'] for p in patients]))
                if patients else float('nan'),
                lesion_TP=tp, lesion_FN=fn, lesion_FP=fp)
