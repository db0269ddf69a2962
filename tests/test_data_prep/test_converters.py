import os
import shutil

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS

from data_prep import anomaly_benchmarks, cityscapes
from tests.conftest import require_shared

PIPELINE = [dict(type='LoadAnomalyAnnotations')]


def test_road_anomaly_to_the_normalised_layout(tmp_path):
    src = require_shared('data', 'RoadAnomaly_jpg')
    dst = tmp_path / 'ra'
    assert anomaly_benchmarks.convert('RoadAnomaly', src, str(dst)) == 60
    original = DATASETS.build(dict(type='RoadAnomalyDataset', data_root=src, pipeline=PIPELINE))
    normalised = DATASETS.build(dict(type='SMIYCDataset', data_root=str(dst), pipeline=PIPELINE))
    assert len(normalised) == 60
    for i in (0, 59):
        a, b = original[i], normalised[i]
        assert np.array_equal(a['gt_anomaly_map'], b['gt_anomaly_map'])
        with open(a['img_path'], 'rb') as fa, open(b['img_path'], 'rb') as fb:
            assert fa.read() == fb.read()


def test_problems_are_listed_file_by_file_and_nothing_is_written(tmp_path):
    src = require_shared('data', 'fs_static')
    bundle = tmp_path / 'fs'
    for sub in ('images', 'labels_masks'):
        os.makedirs(bundle / sub)
    for n in range(3):
        shutil.copy(os.path.join(src, 'images', f'{n}.jpg'), bundle / 'images')
        shutil.copy(os.path.join(src, 'labels_masks', f'{n}.png'), bundle / 'labels_masks')
    shape = cv2.imread(str(bundle / 'images' / '1.jpg')).shape[:2]
    cv2.imwrite(str(bundle / 'labels_masks' / '1.png'), np.full(shape, 7, np.uint8))
    os.remove(bundle / 'labels_masks' / '2.png')
    with pytest.raises(ValueError, match=r'2 of 3 frames have problems(.|\n)*1.png.*\[7\]'
                                         r'(.|\n)*2.png'):
        anomaly_benchmarks.convert('FishyscapesStatic', str(bundle), str(tmp_path / 'out'))
    assert sorted(os.listdir(tmp_path)) == ['fs']
    with pytest.raises(ValueError, match='inside the source'):
        anomaly_benchmarks.convert('FishyscapesStatic', str(bundle), str(bundle / 'out'))


def test_cityscapes_label_ids_to_train_ids(tmp_path):
    src = tmp_path / 'cs'
    os.makedirs(src / 'gtFine' / 'val' / 'aachen')
    os.makedirs(src / 'leftImg8bit' / 'val' / 'aachen')
    ids = np.array([[0, 6, 7, 8, 9, 11], [17, 18, 23, 24, 26, 33]], np.uint8)
    cv2.imwrite(str(src / 'gtFine' / 'val' / 'aachen' / 'a_000000_000019_gtFine_labelIds.png'),
                ids)
    cv2.imwrite(str(src / 'leftImg8bit' / 'val' / 'aachen' / 'a_000000_000019_leftImg8bit.png'),
                np.zeros((2, 6, 3), np.uint8))
    counts = cityscapes.convert(str(src), str(tmp_path / 'out'))
    assert counts == {'val': 1}
    out = cv2.imread(str(tmp_path / 'out' / 'gtFine' / 'val' / 'aachen' /
                         'a_000000_000019_gtFine_labelTrainIds.png'), cv2.IMREAD_UNCHANGED)
    # road 0, sidewalk 1, parking void, building 2, pole 5, polegroup void, sky 10, person 11,
    # car 13, bicycle 18 (cityscapesScripts' table)
    assert out.tolist() == [[255, 255, 0, 1, 255, 2], [5, 255, 10, 11, 13, 18]]
    ds = DATASETS.build(dict(type='CityscapesDataset', data_root=str(tmp_path / 'out'),
                             data_prefix=dict(img_path='leftImg8bit/val',
                                              seg_map_path='gtFine/val')))
    assert len(ds) == 1


def test_cityscapes_bad_ids_are_named(tmp_path):
    src = tmp_path / 'cs'
    os.makedirs(src / 'gtFine' / 'train' / 'x')
    os.makedirs(src / 'leftImg8bit' / 'train' / 'x')
    cv2.imwrite(str(src / 'gtFine' / 'train' / 'x' / 'x_1_2_gtFine_labelIds.png'),
                np.array([[40]], np.uint8))
    with pytest.raises(ValueError, match='image missing'):
        cityscapes.convert(str(src), str(tmp_path / 'out'))
    cv2.imwrite(str(src / 'leftImg8bit' / 'train' / 'x' / 'x_1_2_leftImg8bit.png'),
                np.zeros((1, 1, 3), np.uint8))
    with pytest.raises(ValueError, match=r'x_1_2_gtFine_labelIds.png: label ids outside 0..33: '
                                         r'\[40\]'):
        cityscapes.convert(str(src), str(tmp_path / 'out'))
    assert not (tmp_path / 'out').exists()


def test_instance_labels_travel_to_the_normalised_layout(tmp_path):
    src = require_shared('data', 'RoadAnomaly_jpg')
    dst = tmp_path / 'ra'
    anomaly_benchmarks.convert('RoadAnomaly', src, str(dst))
    pipeline = [dict(type='LoadAnomalyAnnotations')]
    original = DATASETS.build(dict(type='RoadAnomalyDataset', data_root=src, pipeline=pipeline))
    normalised = DATASETS.build(dict(type='SMIYCDataset', data_root=str(dst), pipeline=pipeline))
    have = [i for i in range(60) if 'instance_map_path' in original.get_data_info(i)]
    assert have == [i for i in range(60) if 'instance_map_path' in normalised.get_data_info(i)]
    i = have[0]
    assert np.array_equal(original[i]['gt_anomaly_instances'],
                          normalised[i]['gt_anomaly_instances'])
