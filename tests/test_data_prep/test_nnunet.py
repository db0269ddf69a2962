import json
import os

import cv2
import nibabel as nib
import numpy as np
import pytest

from anomseg.datasets import MedicalSliceDataset
from anomseg.evaluation.metrics import PatientMetric
from anomseg.utils.errors import InputError
from data_prep.nnunet import main, nnunet_cases

LABELS = {'background': 0, 'organ': 1, 'lesion': 2, 'other': 3}


def write_dataset(root, cases=('toy_001', 'toy_002', 'toy_003', 'toy_004'), test=('toy_101',)):
    """A two-channel nnU-Net v2 dataset: a box of organ with a lesion in it and an 'other'
    structure, on 24 x 20 x 6 RAS volumes of 1 mm."""
    for folder in ('imagesTr', 'labelsTr', 'imagesTs'):
        os.makedirs(root / folder)
    rng = np.random.default_rng(0)
    volumes = {}
    for i, case in enumerate(cases + test):
        labels = np.zeros((24, 20, 6), np.uint8)
        labels[4:18, 3:15, 1:5] = 1
        labels[8:11, 6:9, 2:4] = 2 if i % 2 == 0 else 1   # lesions in every other case
        labels[20:23, 16:19, :] = 3
        image = (100 * labels + rng.normal(0, 5, labels.shape)).astype(np.float32)
        folder = 'imagesTs' if case in test else 'imagesTr'
        for channel, data in enumerate((image, -image)):
            nib.save(nib.Nifti1Image(data, np.eye(4)),
                     str(root / folder / f'{case}_{channel:04d}.nii.gz'))
        if case not in test:
            nib.save(nib.Nifti1Image(labels, np.eye(4)), str(root / 'labelsTr' / f'{case}.nii.gz'))
        volumes[case] = labels
    (root / 'dataset.json').write_text(json.dumps(dict(
        channel_names={'0': 'MRI', '1': 'inverted'}, labels=LABELS, numTraining=len(cases),
        file_ending='.nii.gz')))
    return volumes


def test_converts_reads_and_groups_by_patient(tmp_path):
    src = tmp_path / 'Dataset042_Toy'
    volumes = write_dataset(src)
    out = tmp_path / 'slices'
    main(['--dataset', str(src), '--out', str(out), '--inlier', 'organ', '--anomaly', 'lesion',
          '--other-background', '--fractions', '0.5', '0.25', '0.25', '--roi', 'all'])
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['classes'] == ['background', 'organ'] and meta['unlabelled'] == ['toy_101']
    assert sorted(sum(meta['splits'].values(), [])) == ['toy_001', 'toy_002', 'toy_003',
                                                        'toy_004']
    # slices with label content: organ on z = 1..4 ('other' became background)
    case = meta['splits']['test'][0]
    names = sorted(os.listdir(out / 'labels' / 'test'))
    assert names == [f'{case}_{z:04d}.png' for z in range(1, 5)]
    for z in range(1, 5):
        expected = volumes[case][:, :, z]
        classes = np.where(expected == 1, 1, np.where(expected == 2, 255, 0))
        picture = cv2.imread(str(out / 'labels' / 'test' / f'{case}_{z:04d}.png'), 0)
        # RAS slice -> anterior up, the patient's right on the left: x reversed as columns
        np.testing.assert_array_equal(picture, classes[::-1, ::-1].T)
        anomaly = cv2.imread(str(out / 'anomaly' / 'test' / f'{case}_{z:04d}.png'), 0)
        np.testing.assert_array_equal(anomaly, (expected == 2)[::-1, ::-1].T.astype(np.uint8))
    assert len(os.listdir(out / 'images' / 'unlabelled')) == 6
    # the dataset class reads them, and the patient metric groups them by case
    dataset = MedicalSliceDataset(data_root=str(out), split='test', anomaly=True,
                                  metainfo=dict(classes=tuple(meta['classes'])), pipeline=[])
    assert len(dataset) == 4
    metric = PatientMetric(organ_classes=(1,))
    assert metric.slice_key(dataset[2]['img_path']) == (case, 3)


def test_bad_datasets_are_named(tmp_path, capsys):
    src = tmp_path / 'Dataset043_Bad'
    write_dataset(src)
    os.remove(src / 'imagesTr' / 'toy_002_0001.nii.gz')
    with pytest.raises(FileNotFoundError, match='toy_002_0001.nii.gz not found'):
        nnunet_cases(str(src))
    with pytest.raises(SystemExit) as exit_info:
        main(['--dataset', str(src), '--out', str(tmp_path / 'o'), '--inlier', 'tumour'])
    assert exit_info.value.code == 2
    assert "'tumour': not a label of dataset.json" in capsys.readouterr().err
    meta = json.loads((src / 'dataset.json').read_text())
    meta['labels'] = {'background': 0, 'whole': [1, 2]}
    (src / 'dataset.json').write_text(json.dumps(meta))
    with pytest.raises(InputError, match='region'):
        nnunet_cases(str(src))
    assert not (tmp_path / 'o').exists()
