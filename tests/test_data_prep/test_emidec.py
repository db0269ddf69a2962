"""data_prep/emidec.py: the official NIfTI layout to slices (checked against a padding and
resizing done here by hand), its refusals, and the seeded, stratified split by patient."""
import os

import cv2
import nibabel as nib
import numpy as np
import pytest

from anomseg.datasets.emidec import emidec_slices
from data_prep.emidec import convert, main, split


def make_case(src, case, shape=(20, 14, 3), seed=0, label_values=(0, 1, 2, 3, 4)):
    rng = np.random.default_rng(seed)
    image = rng.normal(300, 80, shape).astype(np.float32)
    labels = rng.choice(label_values, size=shape).astype(np.uint8)
    for kind, data in (('Images', image), ('Contours', labels)):
        os.makedirs(src / case / kind, exist_ok=True)
        nib.save(nib.Nifti1Image(data, np.diag([1.5, 1.5, 8, 1])),
                 src / case / kind / f'{case}.nii.gz')
    return image, labels


def by_hand(array, size, nearest):
    """Transpose, centre on a zero square, resize (what the module docstring promises)."""
    pic = array.T
    side = max(pic.shape)
    square = np.zeros((side, side), pic.dtype)
    top, left = (side - pic.shape[0]) // 2, (side - pic.shape[1]) // 2
    square[top:top + pic.shape[0], left:left + pic.shape[1]] = pic
    return cv2.resize(square, (size, size),
                      interpolation=cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR)


def test_convert_writes_the_slice_layout(tmp_path):
    src = tmp_path / 'emidec-dataset-1.0.1'
    image, labels = make_case(src, 'Case_P001')
    make_case(src, 'Case_N002', shape=(16, 16, 2), seed=1, label_values=(0, 1, 2))
    out = tmp_path / 'slices'
    assert convert(str(src), str(out), size=40) == 5
    slices = emidec_slices(str(out))
    assert [(p, os.path.basename(i)) for p, i, _ in slices][:2] == [
        ('Case_N002', 'Case_N002_slice000.png'), ('Case_N002', 'Case_N002_slice001.png')]
    lo, hi = np.percentile(image, (0.5, 99.5))
    grey = np.clip(np.rint((image - lo) / (hi - lo) * 255), 0, 255).astype(np.uint8)
    for z in range(3):
        name = f'Case_P001_slice{z:03d}.png'
        got_label = cv2.imread(str(out / 'slicesannot' / name), cv2.IMREAD_UNCHANGED)
        got_image = cv2.imread(str(out / 'slices' / name), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(got_label, by_hand(labels[:, :, z], 40, True))
        assert np.abs(got_image.astype(int) - by_hand(grey[:, :, z], 40, False)).max() <= 1


@pytest.mark.parametrize('case', ['labels 7', 'grid', 'missing', 'exists'])
def test_convert_refuses_bad_downloads_before_writing(tmp_path, case, capsys):
    src = tmp_path / 'download'
    make_case(src, 'Case_P001')
    out = tmp_path / 'out'
    if case == 'labels 7':
        make_case(src, 'Case_P002', label_values=(0, 7))
        bad, message = src / 'Case_P002' / 'Contours' / 'Case_P002.nii.gz', 'label values [7.0]'
    elif case == 'grid':
        nib.save(nib.Nifti1Image(np.zeros((20, 14, 2), np.uint8), np.eye(4)),
                 src / 'Case_P001' / 'Contours' / 'Case_P001.nii.gz')
        bad, message = src / 'Case_P001' / 'Contours' / 'Case_P001.nii.gz', 'do not match'
    elif case == 'missing':
        os.remove(src / 'Case_P001' / 'Images' / 'Case_P001.nii.gz')
        bad, message = src / 'Case_P001' / 'Images' / 'Case_P001.nii.gz', 'not found'
    else:
        out.mkdir()
        bad, message = out, 'exists'
    with pytest.raises(SystemExit) as err:
        main(['convert', '--src', str(src), '--out', str(out)])
    line = capsys.readouterr().err.strip()
    assert err.value.code == 2 and line.startswith('emidec.py: error: ')
    assert str(bad) in line and message in line
    assert case == 'exists' or not out.exists()


def test_split_is_by_patient_seeded_and_stratified(tmp_path):
    src = tmp_path / 'download'
    kinds = {}
    for i in range(18):  # 6 patients of each kind: no lesion, infarct, no-reflow
        kind = i % 3
        case = f'Case_{"NPP"[kind]}{i:03d}'
        make_case(src, case, shape=(8, 8, 2), seed=i, label_values=(0, 1, 2, 3, 4)[:3 + kind])
        kinds[case] = kind
    root = tmp_path / 'slices'
    convert(str(src), str(root), size=8)
    splits, strata = split(str(root), str(tmp_path / 's0'), seed=0, fractions=(0.5, 0.17, 0.33))
    assert strata == kinds
    assert sorted(sum(splits.values(), [])) == sorted(kinds)          # each patient once
    for name, n in (('train', 3), ('val', 1), ('test', 2)):           # per stratum of 6
        assert [sum(kinds[p] == k for p in splits[name]) for k in range(3)] == [n] * 3
        assert (tmp_path / 's0' / f'{name}.txt').read_text().split() == sorted(splits[name])
    again, _ = split(str(root), str(tmp_path / 's0b'), seed=0, fractions=(0.5, 0.17, 0.33))
    other, _ = split(str(root), str(tmp_path / 's1'), seed=1, fractions=(0.5, 0.17, 0.33))
    assert again == splits and other != splits
