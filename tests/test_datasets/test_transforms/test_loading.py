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


def test_malformed_label_files_get_our_error_only(tmp_path):
    """Fuzz: truncated, bit-flipped label PNGs either decode to valid labels or raise one
    ValueError naming the file; nothing else escapes (PIL raises SyntaxError on some)."""
    import cv2
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from anomseg.datasets.transforms import LoadAnomalyAnnotations
    labels = np.zeros((12, 16), np.uint8)
    labels[3:7, 4:9], labels[0] = 1, 255
    seed = cv2.imencode('.png', labels)[1].tobytes()
    load = LoadAnomalyAnnotations()

    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.data())
    def check(data):
        raw = bytearray(seed)
        for _ in range(data.draw(st.integers(0, 4))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
        raw = raw[:data.draw(st.integers(0, len(raw)))]
        path = str(tmp_path / 'fuzz_labels.png')
        with open(path, 'wb') as fh:
            fh.write(raw)
        try:
            out = load(dict(img_path='frame.png', seg_map_path=path))
        except ValueError as err:
            assert str(err).startswith(path + ':')
        else:
            assert set(np.unique(out['gt_anomaly_map'])) <= {0, 1, 255}

    check()
