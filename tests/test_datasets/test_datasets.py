import os.path as osp

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS

import anomseg  # noqa: F401
from tests.conftest import require_shared

SEG_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')]
ANOMALY_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnomalyAnnotations'),
                    dict(type='PackAnomalySegInputs')]


def test_synthroad_dataset(tiny_synthroad):
    ds = DATASETS.build(dict(type='SynthRoadDataset', data_root=tiny_synthroad,
                             data_prefix=dict(img_path='leftImg8bit/train',
                                              seg_map_path='gtFine/train'),
                             pipeline=SEG_PIPELINE))
    assert len(ds) == 6 and ds.metainfo['classes'][-1] == 'car'
    item = ds[0]
    assert item['inputs'].shape == (3, 64, 128)
    assert item['data_samples'].gt_sem_seg.data.shape == (1, 64, 128)


def test_smiyc_layout_on_synthroad_anomaly_split(tiny_synthroad):
    ds = DATASETS.build(dict(type='SMIYCDataset', data_root=osp.join(tiny_synthroad, 'anomaly'),
                             img_suffix='.png', pipeline=ANOMALY_PIPELINE))
    assert len(ds) == 3
    sample = ds[0]['data_samples']
    raw = cv2.imread(sample.seg_map_path, cv2.IMREAD_UNCHANGED)
    assert np.array_equal(sample.gt_anomaly.data[0].numpy(), raw)
    assert 'gt_sem_seg' not in sample


def test_smiyc_anomaly_track_real_frames():
    root = require_shared('data', 'dataset_AnomalyTrack')
    ds = DATASETS.build(dict(type='SMIYCDataset', data_root=root, pipeline=ANOMALY_PIPELINE))
    assert len(ds) == 10
    sample = ds[0]['data_samples']
    values = set(np.unique(sample.gt_anomaly.data.numpy()).tolist())
    assert values <= {0, 1, 255} and 1 in values
    assert sample.gt_anomaly.data.shape == (1, 720, 1280)


def test_camvid_real_split_maps_void_to_ignore():
    root = require_shared('data', 'CamVid')
    ds = DATASETS.build(dict(type='CamVidDataset', data_root=root,
                             data_prefix=dict(img_path='val', seg_map_path='valannot'),
                             pipeline=SEG_PIPELINE))
    assert len(ds) == 101 and len(ds.metainfo['classes']) == 11
    for i in range(len(ds)):  # find a frame with void pixels
        raw = cv2.imread(ds.get_data_info(i)['seg_map_path'], cv2.IMREAD_UNCHANGED)
        if (raw == 11).any():
            break
    else:
        pytest.fail('no CamVid val frame has void pixels')
    gt = ds[i]['data_samples'].gt_sem_seg.data[0].numpy()
    expected = np.where(raw == 11, 255, raw)
    assert np.array_equal(gt, expected)


def test_camvid_as_cityscapes_ids():
    root = require_shared('data', 'CamVid')
    ds = DATASETS.build(dict(type='CamVidCityscapesDataset', data_root=root,
                             data_prefix=dict(img_path='val', seg_map_path='valannot'),
                             pipeline=SEG_PIPELINE))
    assert ds.metainfo['classes'][:3] == ('road', 'sidewalk', 'building')
    raw = cv2.imread(ds.get_data_info(0)['seg_map_path'], cv2.IMREAD_UNCHANGED)
    # CamVid: sky building pole road pavement tree signsymbol fence car pedestrian bicyclist void
    lut = np.array([10, 2, 5, 0, 1, 8, 255, 4, 13, 11, 255, 255])
    assert np.array_equal(ds[0]['data_samples'].gt_sem_seg.data[0].numpy(), lut[raw])


def test_missing_folder_is_named_before_any_work(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere.*leftImg8bit/train.*synthroad.py'):
        DATASETS.build(dict(type='SynthRoadDataset', data_root=str(tmp_path / 'nowhere'),
                            data_prefix=dict(img_path='leftImg8bit/train',
                                             seg_map_path='gtFine/train')))


def test_road_anomaly_official_layout():
    root = require_shared('data', 'RoadAnomaly_jpg')
    ds = DATASETS.build(dict(type='RoadAnomalyDataset', data_root=root, pipeline=ANOMALY_PIPELINE))
    assert len(ds) == 60
    sample = ds[0]['data_samples']
    raw = cv2.imread(sample.seg_map_path, cv2.IMREAD_UNCHANGED)
    assert set(np.unique(raw).tolist()) == {0, 2}
    assert np.array_equal(sample.gt_anomaly.data[0].numpy(), (raw == 2).astype(np.uint8))


def test_road_anomaly_missing_files_are_named(tmp_path):
    (tmp_path / 'frames').mkdir()
    (tmp_path / 'frame_list.json').write_text('["a.jpg"]')
    with pytest.raises(FileNotFoundError, match='lists 2 missing files.*a.jpg'):
        DATASETS.build(dict(type='RoadAnomalyDataset', data_root=str(tmp_path)))


def test_fishyscapes_static_bundle_layout():
    root = require_shared('data', 'fs_static')
    ds = DATASETS.build(dict(type='FishyscapesDataset', data_root=root, pipeline=ANOMALY_PIPELINE))
    assert len(ds) == 30
    values = set(np.unique(ds[0]['data_samples'].gt_anomaly.data.numpy()).tolist())
    assert values <= {0, 1, 255} and ds[0]['data_samples'].gt_anomaly.data.shape == (1, 1024, 2048)
