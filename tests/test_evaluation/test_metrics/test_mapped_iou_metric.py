import numpy as np
import pytest
import torch

from anomseg.datasets.camvid import CITYSCAPES_TO_CAMVID
from anomseg.evaluation.metrics import MappedIoUMetric
from anomseg.utils.errors import InputError


def run(pred_map, frames, classes):
    metric = MappedIoUMetric(pred_map=pred_map, iou_metrics=['mIoU'])
    metric.dataset_meta = dict(classes=classes)
    for pred, gt in frames:
        metric.process({}, [dict(pred_sem_seg=dict(data=torch.as_tensor(pred)[None]),
                                 gt_sem_seg=dict(data=torch.as_tensor(gt)[None]))])
    return metric.compute_metrics(metric.results)


def test_iou_after_mapping_by_hand():
    # model classes 0..3 -> dataset classes: 0 -> 0, 1 -> 1, 2 -> 1, 3 -> none
    pred = np.array([[0, 0, 1, 2],
                     [3, 3, 2, 0]])
    gt = np.array([[0, 1, 1, 1],
                   [0, 255, 1, 0]])
    # mapped prediction: [[0, 0, 1, 1], [X, X, 1, 0]] (X: no class); pixel (1, 1) is ignored
    # class 0: gt at (0,0), (1,0), (1,3); pred at (0,0), (0,1), (1,3) -> I = 2, U = 4
    # class 1: gt at (0,1), (0,2), (0,3), (1,2); pred at (0,2), (0,3), (1,2) -> I = 3, U = 4
    out = run([0, 1, 1, 255], [(pred, gt)], ('a', 'b'))
    assert out['mIoU'] == pytest.approx(100 * (2 / 4 + 3 / 4) / 2, abs=0.01)


def test_names_a_mapping_and_checks_it_against_the_dataset():
    rng = np.random.default_rng(0)
    pred = rng.integers(0, 19, (12, 16))
    gt = np.asarray(CITYSCAPES_TO_CAMVID)[pred]  # a perfect Cityscapes model on CamVid
    out = run('cityscapes_to_camvid', [(pred, gt)], tuple(str(i) for i in range(11)))
    assert out['mIoU'] == pytest.approx(100.0)  # classes absent from both count as NaN
    wrong = run('cityscapes_to_camvid', [((pred + 1) % 19, gt)], tuple(str(i) for i in range(11)))
    assert wrong['mIoU'] < 100.0
    with pytest.raises(InputError, match="no such mapping"):
        MappedIoUMetric(pred_map='nope')
    with pytest.raises(ValueError, match='outside the dataset'):
        run([0, 5], [(np.zeros((2, 2), int), np.zeros((2, 2), int))], ('a', 'b'))
    with pytest.raises(ValueError, match='predicts class 2'):
        run([0, 1], [(np.full((2, 2), 2), np.zeros((2, 2), int))], ('a', 'b'))
