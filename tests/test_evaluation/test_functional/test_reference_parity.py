"""The official evaluators' numbers on the reference score maps in $ANOMSEG_SHARED/reference."""
import glob
import json
import os.path as osp

import cv2
import numpy as np
import pytest

from anomseg.evaluation.functional import ScoreCounts, curve_metrics
from tests.conftest import require_shared


@pytest.mark.parametrize('name', ['AnomalyTrack-noisy', 'AnomalyTrack-ties'])
def test_exact_mode_matches_bdlb(name):
    ref_dir = require_shared('reference', name)
    labels_dir = require_shared('data', 'dataset_AnomalyTrack', 'labels_masks')
    with open(ref_dir + '.json') as fh:
        reference = json.load(fh)['exact']
    counts = ScoreCounts()
    files = sorted(glob.glob(osp.join(ref_dir, '*.npy')))
    assert len(files) == 10
    for path in files:
        stem = osp.splitext(osp.basename(path))[0]
        label = cv2.imread(osp.join(labels_dir, f'{stem}_labels_semantic.png'),
                           cv2.IMREAD_UNCHANGED)
        counts.update(np.load(path), label)
    metrics = curve_metrics(counts)
    for key in ('AP', 'AUROC', 'FPR95'):
        assert metrics[key] == pytest.approx(reference[key], abs=1e-6), key


def load_frames(name):
    ref_dir = require_shared('reference', name)
    labels_dir = require_shared('data', 'dataset_AnomalyTrack', 'labels_masks')
    with open(ref_dir + '.json') as fh:
        reference = json.load(fh)
    frames = []
    for path in sorted(glob.glob(osp.join(ref_dir, '*.npy'))):
        stem = osp.splitext(osp.basename(path))[0]
        frames.append((np.load(path), cv2.imread(
            osp.join(labels_dir, f'{stem}_labels_semantic.png'), cv2.IMREAD_UNCHANGED)))
    return reference, frames


@pytest.mark.parametrize('name', ['AnomalyTrack-noisy', 'AnomalyTrack-ties'])
def test_smiyc_pixel_and_component_metrics_match_the_official_evaluator(name):
    from anomseg.evaluation.functional import (component_metrics, frame_bins,
                                               frame_components, merge_frame_bins,
                                               smiyc_curve_metrics)
    reference, frames = load_frames(name)
    pixel = smiyc_curve_metrics(*merge_frame_bins([frame_bins(s, y) for s, y in frames]))
    ref = reference['smiyc_pixel_percentile_bins']
    for key in ('AP', 'AUROC', 'FPR95', 'FPR95_threshold', 'best_F1', 'best_F1_threshold'):
        assert pixel[key] == pytest.approx(ref[key], abs=1e-4), key
    ref = reference['smiyc_components_AnomalyTrack']
    assert pixel['best_F1_threshold'] == ref['thresh_p']
    comp = component_metrics([frame_components(s, y, ref['thresh_p'], ref['min_pred_component_px'],
                                               ref['min_gt_component_px']) for s, y in frames])
    for key in ('sIoU_gt', 'sIoU_pred', 'PPV', 'mean_F1', 'F1_25', 'F1_50', 'F1_75'):
        assert comp[key] == pytest.approx(ref[key], abs=1e-4), key
    assert comp['n_gt_components'] == ref['n_gt_components']
    assert comp['n_pred_components'] == ref['n_pred_components']
