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


def test_road_anomaly_instance_labels_become_cityscapes_ids():
    from mmseg.registry import DATASETS
    root = require_shared('data', 'RoadAnomaly_jpg')
    ds = DATASETS.build(dict(type='RoadAnomalyDataset', data_root=root))
    with_instances = [ds.get_data_info(i) for i in range(len(ds))
                      if 'instance_map_path' in ds.get_data_info(i)]
    assert 0 < len(with_instances) < len(ds)
    info = with_instances[0]
    out = LoadAnomalyAnnotations()(dict(info))
    raw = cv2.imread(info['instance_map_path'], cv2.IMREAD_UNCHANGED)
    ids = out['gt_anomaly_instances']
    assert np.array_equal(ids, np.where(raw > 0, raw.astype(np.int32) + 1000, 0))
    assert set(np.unique(ids).tolist()) - {0} and min(set(np.unique(ids).tolist()) - {0}) >= 1001
    packed = PackAnomalySegInputs()(dict(out, img=np.zeros(ids.shape + (3,), np.uint8)))
    assert np.array_equal(packed['data_samples'].gt_anomaly_instances.data[0].numpy(), ids)
