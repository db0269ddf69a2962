import os

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS

import anomseg  # noqa: F401
from anomseg.datasets.transforms import LoadAnomalyAnnotations

# A LostAndFound-shaped test split of 1203 tiny frames; the frames of known-object scenes sort
# to positions 0-3 and 1192-1202, away from the empty-label positions (17 ... 793).
SCENES = [('01_Hanns_Klemm_Str_45', [(6, 1), (6, 2), (7, 1), (7, 2)]),
          ('02_Hanns_Klemm_Str_44', [(i, 1) for i in range(1192)]),
          ('10_Schlossberg_9', [(4, 1), (4, 2)]),
          ('15_Rechbergstr_Deckenpfronn', [(i, 1) for i in range(5)])]


@pytest.fixture(scope='module')
def laf_root(tmp_path_factory):
    root = tmp_path_factory.mktemp('laf')
    label = np.array([[0, 1, 2], [150, 200, 201]], np.uint8)
    for scene, frames in SCENES:
        for sub in ('leftImg8bit', 'gtCoarse'):
            os.makedirs(root / sub / 'test' / scene)
        for seq, t in frames:
            fid = f'{scene}_{seq:06d}_{t:06d}'
            cv2.imwrite(str(root / 'leftImg8bit' / 'test' / scene / f'{fid}_leftImg8bit.png'),
                        np.zeros((2, 3, 3), np.uint8))
            cv2.imwrite(str(root / 'gtCoarse' / 'test' / scene / f'{fid}_gtCoarse_labelIds.png'),
                        label)
    return root


def test_no_known_drops_empty_frames_and_known_scenes(laf_root):
    ds = DATASETS.build(dict(type='LostAndFoundDataset', data_root=str(laf_root)))
    ids = [os.path.basename(ds.get_data_info(i)['img_path']) for i in range(len(ds))]
    assert len(ids) == 1203 - 17 - 11
    assert not any(i.startswith(('01_', '10_', '15_')) for i in ids)
    # position 17 of the sorted split is frame 13 of scene 02 (positions 0-3 are scene 01)
    assert '02_Hanns_Klemm_Str_44_000013_000001_leftImg8bit.png' not in ids
    assert '02_Hanns_Klemm_Str_44_000012_000001_leftImg8bit.png' in ids
    everything = DATASETS.build(dict(type='LostAndFoundDataset', data_root=str(laf_root),
                                     no_known=False))
    assert len(everything) == 1203 - 17


def test_label_ids_follow_smiyc(laf_root):
    ds = DATASETS.build(dict(type='LostAndFoundDataset', data_root=str(laf_root)))
    label = LoadAnomalyAnnotations()(dict(ds.get_data_info(0)))['gt_anomaly_map']
    assert label.tolist() == [[255, 0, 1], [1, 1, 255]]


def test_incomplete_split_is_refused(tmp_path):
    os.makedirs(tmp_path / 'leftImg8bit' / 'test' / 's')
    with pytest.raises(FileNotFoundError, match='found 0 frames, LostAndFound test has 1203'):
        DATASETS.build(dict(type='LostAndFoundDataset', data_root=str(tmp_path)))


def test_fishyscapes_laf_labels_over_laf_images(laf_root, tmp_path):
    fid = '02_Hanns_Klemm_Str_44_000000_000001'
    cv2.imwrite(str(tmp_path / f'{fid}_labels.png'), np.array([[0, 1, 255]], np.uint8))
    ds = DATASETS.build(dict(type='FishyscapesLAFDataset', data_root=str(tmp_path),
                             laf_root=str(laf_root), laf_split='test'))
    assert len(ds) == 1 and ds.get_data_info(0)['img_path'].endswith(f'{fid}_leftImg8bit.png')
    cv2.imwrite(str(tmp_path / 'nope_labels.png'), np.zeros((1, 3), np.uint8))
    with pytest.raises(FileNotFoundError, match='no LostAndFound image.*nope'):
        DATASETS.build(dict(type='FishyscapesLAFDataset', data_root=str(tmp_path),
                            laf_root=str(laf_root), laf_split='test'))
