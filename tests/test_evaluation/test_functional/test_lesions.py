import numpy as np
import pytest

from anomseg.evaluation.functional import lesion_metrics, patient_lesions


def cube(shape, z, y, x, size):
    out = np.zeros(shape, bool)
    out[z:z + size, y:y + size, x:x + size] = True
    return out


def test_hit_miss_and_false_positive_by_hand():
    shape = (6, 20, 20)
    lesion_a = cube(shape, 0, 0, 0, 2)        # 8 voxels, predicted exactly
    lesion_b = cube(shape, 3, 10, 10, 3)      # 27 voxels, missed
    labels = (lesion_a | lesion_b).astype(np.uint8)
    predicted = lesion_a | cube(shape, 4, 0, 15, 2)  # and one blob far from any lesion
    out = patient_lesions(predicted, labels, dilation=1)
    assert (out['tp'], out['fn'], out['fp']) == (1, 1, 1)
    # lesion Dice: a scores 1, b scores 0, the FP counts in the denominator: 1 / 3
    assert out['lesion_dice'] == pytest.approx(1 / 3)


def test_diagonal_neighbours_connect_in_3d():
    labels = np.zeros((2, 4, 4), np.uint8)
    labels[0, 0, 0] = labels[1, 1, 1] = 1  # corner to corner: one 26-connected lesion
    predicted = np.zeros(labels.shape, bool)
    predicted[1, 1, 1] = True
    out = patient_lesions(predicted, labels, dilation=0)
    assert (out['tp'], out['fn'], out['fp']) == (1, 0, 0)
    assert out['lesion_dice'] == pytest.approx(2 * 1 / (2 + 1))


def test_dilation_tolerance_and_merging():
    shape = (1, 1, 12)
    labels = np.zeros(shape, np.uint8)
    labels[0, 0, [2, 4]] = 1                  # two lesions one voxel apart
    predicted = np.zeros(shape, bool)
    predicted[0, 0, 6] = True                 # two voxels from the second lesion
    no_tolerance = patient_lesions(predicted, labels, dilation=0)
    assert (no_tolerance['tp'], no_tolerance['fn'], no_tolerance['fp']) == (0, 2, 1)
    # growing by one step merges the lesions (they meet at voxel 3) and the merged lesion,
    # grown once more, reaches voxel 5, not 6: still missed; growing by two reaches it
    one = patient_lesions(predicted, labels, dilation=1)
    assert (one['tp'], one['fn'], one['fp']) == (0, 1, 1)
    two = patient_lesions(predicted, labels, dilation=2)
    assert (two['tp'], two['fn'], two['fp']) == (1, 0, 0)


def test_void_size_filters_and_empty_patient():
    shape = (1, 10, 10)
    labels = np.zeros(shape, np.uint8)
    labels[0, :, 8:] = 255                    # void: predictions there do not count
    labels[0, 0, 0] = 1                       # a one-voxel lesion
    predicted = np.zeros(shape, bool)
    predicted[0, 5:8, 8:] = True
    out = patient_lesions(predicted, labels)
    assert (out['tp'], out['fn'], out['fp']) == (0, 1, 0)
    assert patient_lesions(predicted, labels, min_voxels=2)['fn'] == 0
    # a 4-voxel prediction on the lesion's side: counted, or dropped under min_pred_voxels
    predicted[0, 4:6, 3:5] = True
    assert patient_lesions(predicted, labels)['fp'] == 1
    assert patient_lesions(predicted, labels, min_pred_voxels=5)['fp'] == 0
    nothing = patient_lesions(np.zeros(shape, bool), np.zeros(shape, np.uint8))
    assert nothing == dict(tp=0, fn=0, fp=0, lesion_dice=1.0)


def test_lesion_metrics_pool_counts():
    patients = [dict(tp=2, fn=1, fp=1, lesion_dice=0.5), dict(tp=0, fn=1, fp=3, lesion_dice=0.0)]
    out = lesion_metrics(patients)
    assert out['lesion_precision'] == pytest.approx(2 / 6)
    assert out['lesion_recall'] == pytest.approx(2 / 4)
    assert out['lesion_F1'] == pytest.approx(4 / (4 + 4 + 2))
    assert out['lesion_dice'] == pytest.approx(0.25)
    assert np.isnan(lesion_metrics([dict(tp=0, fn=0, fp=0, lesion_dice=1.0)])['lesion_F1'])


def test_min_iou_stops_one_blob_from_finding_every_lesion():
    shape = (2, 20, 20)
    labels = np.zeros(shape, np.uint8)
    labels[:, 2:4, 2:4] = labels[:, 12:14, 12:14] = 1   # two lesions of 8 voxels
    blob = np.zeros(shape, bool)
    blob[:, 1:18, 1:18] = True                          # 578 voxels over both
    brats = patient_lesions(blob, labels)
    assert (brats['tp'], brats['fn'], brats['fp']) == (2, 0, 0)
    strict = patient_lesions(blob, labels, min_iou=0.1)  # IoU 8 / 578 each
    assert (strict['tp'], strict['fn'], strict['fp']) == (0, 2, 1)
    exact = labels == 1
    assert patient_lesions(exact, labels, min_iou=1.0)['tp'] == 2


def whole_volume_reference(predicted, labels, dilation, min_voxels, min_iou):
    """The matching written over whole volumes, one lesion at a time (no bounding boxes)."""
    from scipy import ndimage
    full = np.ones((3, 3, 3), bool)
    grow = ndimage.generate_binary_structure(3, 2)
    predicted = predicted & (labels != 255)
    pred_ids, n_pred = ndimage.label(predicted, full)
    lesion = labels == 1
    grown = ndimage.binary_dilation(lesion, grow, iterations=dilation) if dilation else lesion
    grown_ids, n = ndimage.label(grown, full)
    tp = fn = 0
    used, skipped = set(), set()
    for k in range(1, n + 1):
        this = lesion & (grown_ids == k)
        near = ndimage.binary_dilation(this, grow, iterations=dilation) if dilation else this
        hits = set(np.unique(pred_ids[near])) - {0}
        if this.sum() < min_voxels:
            skipped |= hits
            continue
        union = this | np.isin(pred_ids, list(hits))
        iou = (this & np.isin(pred_ids, list(hits))).sum() / union.sum()
        if hits and iou >= min_iou:
            tp, used = tp + 1, used | hits
        else:
            fn += 1
    return tp, fn, len(set(range(1, n_pred + 1)) - used - skipped)


def test_counts_equal_a_whole_volume_reference():
    rng = np.random.default_rng(7)
    for trial in range(30):
        shape = (4, 14, 14)
        labels = (rng.random(shape) < 0.08).astype(np.uint8)
        labels[rng.random(shape) < 0.03] = 255
        predicted = rng.random(shape) < 0.1
        dilation, min_voxels, min_iou = trial % 3, trial % 2 * 2, (0.0, 0.1, 0.3)[trial % 3]
        out = patient_lesions(predicted, labels, dilation, min_voxels, min_iou=min_iou)
        assert (out['tp'], out['fn'], out['fp']) == whole_volume_reference(
            predicted, labels, dilation, min_voxels, min_iou), trial
