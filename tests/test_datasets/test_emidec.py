"""EmidecDataset: the slice layout, split files by patient, the checks made before any work, the
settings' label maps, and the real EMIDEC slices of the shared folder."""
import os

import cv2
import numpy as np
import pytest
from mmseg.registry import DATASETS

from anomseg.datasets import EMIDEC_CLASSES, setting_metainfo
from tests.conftest import require_shared


def write_slices(root, slices, folder='train', size=(32, 32)):
    """slices: {name: label map or None (no label)}; images are random grey."""
    os.makedirs(root / folder, exist_ok=True)
    os.makedirs(root / f'{folder}annot', exist_ok=True)
    rng = np.random.default_rng(0)
    for name, label in slices.items():
        cv2.imwrite(str(root / folder / name), rng.integers(0, 255, size, dtype=np.uint8))
        if label is not None:
            cv2.imwrite(str(root / f'{folder}annot' / name), label.astype(np.uint8))


def label(*values):
    out = np.zeros((32, 32), np.uint8)
    for i, v in enumerate(values):
        out[4 * i:4 * i + 4, :8] = v
    return out


@pytest.fixture
def tiny(tmp_path):
    root = tmp_path / 'emidec'
    write_slices(root, {'Case_N001_slice000.png': label(1, 2), 'Case_N001_slice001.png': label(1),
                        'Case_P002_slice000.png': label(1, 2, 3),
                        'Case_P003_slice000.png': label(1, 2, 3, 4)})
    write_slices(root, {'Case_P004_slice000.png': label(2, 3)}, folder='val')
    splits = tmp_path / 'splits'
    splits.mkdir()
    (splits / 'train.txt').write_text('Case_N001\nCase_P002\nCase_P003\n')
    (splits / 'test.txt').write_text('# held out\nCase_P004\n')
    return root, splits


def build(root, **kwargs):
    return DATASETS.build(dict(type='EmidecDataset', data_root=str(root), pipeline=[], **kwargs))


def infos(ds):
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_split_file_selects_patients_across_folders(tiny):
    root, splits = tiny
    every = build(root)
    assert len(every) == 5 and {i['patient'] for i in infos(every)} == {
        'Case_N001', 'Case_P002', 'Case_P003', 'Case_P004'}
    test = build(root, split_file=str(splits / 'test.txt'))
    assert [i['patient'] for i in infos(test)] == ['Case_P004']
    assert infos(test)[0]['seg_map_path'].endswith('valannot/Case_P004_slice000.png')
    train = build(root, split_file=str(splits / 'train.txt'), exclude_patients_with=(4, ))
    assert sorted({i['patient'] for i in infos(train)}) == ['Case_N001', 'Case_P002']
    normal = build(root, split_file=str(splits / 'train.txt'), exclude_patients_with=(3, 4))
    assert [i['patient'] for i in infos(normal)] == ['Case_N001', 'Case_N001']


def test_settings_map_labels_as_the_issue_defines_them(tiny):
    root, _ = tiny
    a = build(root, metainfo=setting_metainfo('A'))
    b = build(root, metainfo=setting_metainfo('B'))
    assert a.metainfo['classes'] == EMIDEC_CLASSES[:4]
    assert infos(a)[0]['label_map'] == {0: 0, 1: 1, 2: 2, 3: 3, 4: 255}
    assert infos(b)[0]['label_map'] == {0: 0, 1: 1, 2: 2, 3: 255, 4: 255}
    # the anomaly is what the classes leave out: no-reflow in A, infarct and no-reflow in B
    assert infos(a)[0]['anomaly_label_map'] == {1: 0, 2: 0, 3: 0, 4: 1}
    assert infos(b)[0]['anomaly_label_map'] == {1: 0, 2: 0, 3: 1, 4: 1}
    assert build(root)[0]['anomaly_label_map'] == {1: 0, 2: 0, 3: 0, 4: 0}   # all five kept


@pytest.mark.parametrize('case', ['no label', 'label 5', 'size', 'two splits', 'unknown patient',
                                  'bad name', 'empty label', 'truncated slice'])
def test_bad_input_is_named_before_any_work(tiny, case):
    root, splits = tiny
    kwargs = dict(split_file=str(splits / 'train.txt'))
    if case == 'no label':
        write_slices(root, {'Case_N001_slice002.png': None})
        bad, message = root / 'train' / 'Case_N001_slice002.png', 'no label map'
    elif case == 'label 5':
        bad = root / 'trainannot' / 'Case_P002_slice000.png'
        cv2.imwrite(str(bad), label(1, 5))
        message = 'label values [5] outside 0..4'
    elif case == 'size':
        bad = root / 'trainannot' / 'Case_P003_slice000.png'
        cv2.imwrite(str(bad), np.zeros((32, 30), np.uint8))
        message = 'does not match its slice'
    elif case == 'two splits':
        bad = splits / 'val.txt'
        bad.write_text('Case_P003\n')
        message = 'patient Case_P003 is also in'
    elif case == 'unknown patient':
        bad = splits / 'train.txt'
        bad.write_text('Case_N001\nCase_X009\n')
        message = "['Case_X009'] have no slice"
    elif case == 'empty label':
        bad = root / 'trainannot' / 'Case_P002_slice000.png'
        bad.write_bytes(b'')
        message = 'empty label map file'
    elif case == 'truncated slice':
        bad = root / 'train' / 'Case_N001_slice001.png'
        bad.write_bytes(bad.read_bytes()[:20])
        message = 'truncated PNG image'
    else:
        write_slices(root, {'slice7.png': label(1)})
        bad, message = root / 'train' / 'slice7.png', 'not a slice name'
    with pytest.raises((ValueError, FileNotFoundError)) as err:
        build(root, **kwargs)
    assert str(bad) in str(err.value) and message in str(err.value)


def test_real_emidec_split_is_by_patient_and_every_slice_checks():
    root = require_shared('data', 'medical', 'emidec')
    from tests.conftest import REPO
    parts = {}
    for split in ('train', 'val', 'test'):
        ds = build(root, split_file=f'{REPO}/data_prep/splits/emidec/{split}.txt')
        parts[split] = {i['patient'] for i in infos(ds)}
    assert not (parts['train'] & parts['val'] or parts['train'] & parts['test']
                or parts['val'] & parts['test'])
    assert len(set.union(*parts.values())) == len(parts['train']) + len(parts['val']) + len(
        parts['test'])


def test_neighbours_are_the_adjacent_slices_of_the_same_patient(tmp_path):
    """LoadSliceStack's neighbours: slice-number order within a patient (a gap skipped, a
    patient's ends repeat themselves), never another patient's slice."""
    root = tmp_path / 'emidec'
    write_slices(root, {f'Case_N001_slice{n:03d}.png': label(1) for n in (0, 1, 3, 10)})
    write_slices(root, {'Case_P002_slice000.png': label(1)})
    write_slices(root, {'Case_P005_slice004.png': label(1), 'Case_P005_slice002.png': label(1)},
                 folder='val')
    got = {os.path.basename(i['img_path']): tuple(os.path.basename(p)
                                                  for p in i['neighbour_paths'])
           for i in infos(build(root))}
    n1 = 'Case_N001_slice{:03d}.png'.format
    assert got == {
        n1(0): (n1(0), n1(1)), n1(1): (n1(0), n1(3)), n1(3): (n1(1), n1(10)),
        n1(10): (n1(3), n1(10)),
        'Case_P002_slice000.png': ('Case_P002_slice000.png',) * 2,
        'Case_P005_slice002.png': ('Case_P005_slice002.png', 'Case_P005_slice004.png'),
        'Case_P005_slice004.png': ('Case_P005_slice002.png', 'Case_P005_slice004.png')}
