import os.path as osp

import cv2
import numpy as np
import pytest

from anomseg.datasets.transforms import LoadAnomalyAnnotations, PackAnomalySegInputs
from tests.conftest import require_shared


def write(path, array):
    cv2.imwrite(str(path), array)
    return str(path)


def test_loads_and_packs(tmp_path):
    label = np.array([[0, 1], [255, 0]], np.uint8)
    results = LoadAnomalyAnnotations()(dict(seg_map_path=write(tmp_path / 'a.png', label)))
    assert np.array_equal(results['gt_anomaly_map'], label)
    assert 'gt_anomaly_map' in results['seg_fields']
    results['img'] = np.zeros((2, 2, 3), np.uint8)
    packed = PackAnomalySegInputs()(results)
    assert np.array_equal(packed['data_samples'].gt_anomaly.data.numpy(), label[None])


def test_unexpected_values_name_the_file(tmp_path):
    path = write(tmp_path / 'bad_labels.png', np.array([[0, 2], [7, 1]], np.uint8))
    with pytest.raises(ValueError, match=r'bad_labels.png.*found \[2, 7\]'):
        LoadAnomalyAnnotations()(dict(seg_map_path=path))


def test_label_map_on_a_real_road_anomaly_label():
    root = require_shared('data', 'RoadAnomaly_jpg', 'frames')
    path = osp.join(root, 'animals01_Guiguinto_railway_station_Calves.labels',
                    'labels_semantic.png')
    raw = cv2.imread(path, cv2.IMREAD_UNCHANGED)
    assert set(np.unique(raw).tolist()) == {0, 2}
    with pytest.raises(ValueError, match='found \\[2\\]'):
        LoadAnomalyAnnotations()(dict(seg_map_path=path))
    label = LoadAnomalyAnnotations(label_map={2: 1})(dict(seg_map_path=path))['gt_anomaly_map']
    assert np.array_equal(label, (raw == 2).astype(np.uint8))
