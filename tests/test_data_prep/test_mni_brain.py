import numpy as np
import pytest

from anomseg.datasets import MedicalSliceDataset
from data_prep.mni_brain import CLASSES, build


@pytest.fixture(scope='module')
def brain(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('mni') / 'brain')
    return root, build(root, test_block=(70, 76), val_block=(120, 122), gap=4, stride=8)


def test_blocks_are_apart_and_only_test_slices_have_lesions(brain):
    root, splits = brain
    assert splits['test'] == list(range(70, 76)) and splits['val'] == [120, 121]
    assert all(abs(z - t) >= 5 for z in splits['train'] for t in splits['test'] + splits['val'])
    meta = dict(classes=CLASSES)
    for split, expect in (('train', False), ('val', False), ('test', True)):
        ds = MedicalSliceDataset(data_root=root, split=split, anomaly=True, metainfo=meta,
                                 pipeline=[dict(type='LoadAnnotations'),
                                           dict(type='LoadAnomalyAnnotations',
                                                path_key='anomaly_map_path')])
        assert len(ds) == len(splits[split])
        item = ds[0]
        lesion = item['gt_anomaly_map'] == 1
        assert lesion.any() == expect
        # lesion pixels are ignored by the class labels; outside the brain is void
        assert np.all(item['gt_seg_map'][lesion] == 255)
        brain_px = np.isin(item['gt_seg_map'], (1, 2)) | lesion
        assert np.all(item['gt_anomaly_map'][~brain_px] == 255)


def test_dataset_needs_class_names(brain):
    with pytest.raises(ValueError, match='metainfo'):
        MedicalSliceDataset(data_root=brain[0], split='train')
