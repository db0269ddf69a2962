import numpy as np
import pytest

from anomseg.evaluation.metrics import PatientMetric
from anomseg.utils.errors import InputError


def slices(value_in_organ, lesion=None, n=3, size=16):
    """n slices of one patient: organ (class 1) in the centre, scores 0 outside it and
    ``value_in_organ`` inside; ``lesion``: (slice, y, x, side) of a labelled square with score 5."""
    out = []
    for z in range(n):
        semantic = np.zeros((size, size), np.int64)
        semantic[4:12, 4:12] = 1
        scores = np.where(semantic == 1, value_in_organ, 0.0).astype(np.float32)
        labels = np.zeros((size, size), np.uint8)
        if lesion is not None and z in lesion[0]:
            _, y, x, side = lesion
            labels[y:y + side, x:x + side] = 1
            scores[y:y + side, x:x + side] = 5.0
        out.append((z, labels, scores, semantic))
    return out


def run(metric, patients):
    for name, frames in patients.items():
        for z, labels, scores, semantic in frames:
            metric.add(f'/data/images/test/{name}_slice{z:03d}.png', labels, {'s': scores},
                       semantic)
            metric.add(f'/data/images/test/{name}_slice{z:03d}.png', labels, {'s': scores},
                       semantic)  # a repeat (padding sampler) is counted once
    return metric.evaluate()


def test_patient_and_lesion_metrics_by_hand():
    patients = {
        # positives: one lesion over slices 0-1 (a 3D lesion of 2 x 3 x 3 voxels)
        'Case_P001': slices(1.0, lesion=((0, 1), 5, 5, 3)),
        'Case_P002': slices(0.2, lesion=((2,), 8, 8, 3)),
        # negatives: organ scores 0.5 and 3.0 (the second outranks P001 and P002's organs)
        'Case_N001': slices(0.5),
        'Case_N002': slices(3.0),
    }
    metric = PatientMetric(organ_classes=(1,), organ_margin=0, quantile=1.0,
                           specificity=0.5, lesion_threshold=4.0, min_lesion_voxels=0,
                           min_pred_voxels=0)
    out = run(metric, patients)
    # patient scores (the organ's maximum): P001 5, P002 5, N001 0.5, N002 3 -> AUROC 1
    assert out['patient/s/patient_AUROC'] == 1.0
    assert out['patient/s/patient_sensitivity'] == 1.0
    # at threshold 4 exactly the two lesions are predicted: 2 TP, no FN, no FP, Dice 1
    assert (out['patient/s/lesion_TP'], out['patient/s/lesion_FN'],
            out['patient/s/lesion_FP']) == (2, 0, 0)
    assert out['patient/s/lesion_dice'] == 1.0
    assert out['patient/s/lesion_threshold'] == 4.0
    # the organ's median instead: P001 1.0, P002 0.2 (its lesion is 9 of 192 voxels), N001
    # 0.5, N002 3.0: of the four pairs only P001 > N001 -> AUROC 1/4
    metric = PatientMetric(organ_classes=(1,), organ_margin=0, quantile=0.5,
                           lesion_threshold=2.0, min_lesion_voxels=0, min_pred_voxels=0)
    out = run(metric, patients)
    assert out['patient/s/patient_AUROC'] == 0.25
    # at threshold 2 N002's whole organ (3 slices of 8 x 8) is one false positive
    assert out['patient/s/lesion_FP'] == 1 and out['patient/s/lesion_TP'] == 2


def test_best_f1_threshold_and_slice_gaps():
    # a lesion on slices 1 and 3 of a patient whose slice 2 is missing: the gap is a void plane,
    # so without tolerance these are two lesions; one voxel of tolerance merges them, as BraTS
    # merges lesions that close. The best-F1 threshold separates the lesion's 5 from the 1.
    frames = [f for f in slices(1.0, lesion=((1, 3), 5, 5, 3), n=4) if f[0] != 2]
    for dilation, lesions in ((0, 2), (1, 1)):
        metric = PatientMetric(organ_classes=(1,), organ_margin=0, min_lesion_voxels=0,
                               min_pred_voxels=0, lesion_dilation=dilation)
        out = run(metric, {'Case_P001': frames, 'Case_N001': slices(0.5)})
        assert out['patient/s/lesion_threshold'] == 5.0
        assert out['patient/s/lesion_TP'] == lesions and out['patient/s/lesion_FP'] == 0


def test_names_and_sizes_are_checked():
    metric = PatientMetric(organ_classes=(1,))
    with pytest.raises(InputError, match='scan-a.png'):
        metric.add('/x/scan-a.png', *slices(1.0, n=1)[0][1:2], {}, None)
    assert metric.slice_key('/x/liver_012_0042.png') == ('liver_012', 42)
    metric = PatientMetric(organ_classes=(1,))
    (_, labels, scores, semantic), = slices(1.0, n=1)
    metric.add('/x/Case_P001_slice000.png', labels, {'s': scores}, semantic)
    small = np.zeros((8, 8), np.uint8)
    metric.add('/x/Case_P001_slice001.png', small, {'s': np.zeros((8, 8), np.float32)},
               np.zeros((8, 8), np.int64))
    with pytest.raises(InputError, match='Case_P001: slices of different sizes'):
        metric.evaluate()
    with pytest.raises(InputError, match='lesion_threshold'):
        PatientMetric(organ_classes=(1,), lesion_threshold='median')
