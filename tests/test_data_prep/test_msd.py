import json
import os
import os.path as osp

import cv2
import nibabel as nib
import numpy as np
import pytest

from data_prep.msd import convert_cases, main, msd_pairs, split_cases
from tests.conftest import require_shared

LIVER, SPLEEN, KIDNEY_R = 5, 1, 2      # TotalSegmentator's class ids


def make_task(root, n_reoriented=2):
    """An MSD-style task from the real TotalSegmentator CT: case_a as shipped and copies stored
    in other orientations (the data reoriented together with its affine)."""
    src = require_shared('data', 'medical', 'totalsegmentator_example')
    ct, seg = nib.load(osp.join(src, 'example_ct_sm.nii.gz')), nib.load(osp.join(src,
                                                                              'example_seg.nii.gz'))
    os.makedirs(root / 'imagesTr')
    os.makedirs(root / 'labelsTr')
    orients = [None, [[1, -1], [0, 1], [2, 1]], [[2, 1], [0, -1], [1, -1]]][:1 + n_reoriented]
    training = []
    for i, ornt in enumerate(orients):
        name = f'case_{"abc"[i]}.nii.gz'
        img, lab = (ct, seg) if ornt is None else (ct.as_reoriented(np.array(ornt)),
                                                   seg.as_reoriented(np.array(ornt)))
        nib.save(img, root / 'imagesTr' / name)
        nib.save(lab, root / 'labelsTr' / name)
        training.append(dict(image=f'./imagesTr/{name}', label=f'./labelsTr/{name}'))
    (root / 'imagesTr' / '._case_a.nii.gz').write_bytes(b'\x00\x05macos')   # archive debris
    training.append(dict(image='./imagesTr/._case_a.nii.gz', label='./labelsTr/._case_a.nii.gz'))
    (root / 'dataset.json').write_text(json.dumps(dict(name='test', training=training)))
    return ct, seg


def test_orientation_split_window_and_labels(tmp_path):
    ct, seg = make_task(tmp_path / 'Task99_Test')
    assert nib.aff2axcodes(nib.load(tmp_path / 'Task99_Test' / 'imagesTr' /
                                    'case_b.nii.gz').affine) != ('R', 'A', 'S')
    out = tmp_path / 'slices'
    splits, counts = convert_cases(
        msd_pairs(str(tmp_path / 'Task99_Test')), str(out), {LIVER: 1, SPLEEN: 2}, {KIDNEY_R},
        ('background', 'liver', 'spleen'), window=(40, 400), fractions=(0.34, 0.33, 0.33),
        other_background=True, roi='organ', roi_margin=2)
    # per case: each case in exactly one split
    assert sorted(sum(splits.values(), [])) == ['case_a', 'case_b', 'case_c']
    assert all(len(v) == 1 for v in splits.values())
    # the same patient stored in three orientations gives the same slices
    names = {s: sorted(os.listdir(out / 'images' / s)) for s in splits}
    stems = {s: [n.split('_', 2)[2] for n in names[s]] for s in splits}
    assert stems['train'] == stems['val'] == stems['test']
    for kind in ('images', 'labels', 'anomaly'):
        for n in stems['train']:
            ref = cv2.imread(str(out / kind / 'train' / f'{splits["train"][0]}_{n}'), 0)
            for s in ('val', 'test'):
                assert np.array_equal(ref, cv2.imread(str(out / kind / s /
                                                          f'{splits[s][0]}_{n}'), 0))
    # window and labels of case_a (stored RAS) against the NIfTI voxels directly
    hu, lab = np.asarray(ct.dataobj, np.float64), np.asarray(seg.dataobj)
    split_a = next(s for s, c in splits.items() if 'case_a' in c)
    z = int(np.nonzero((lab == LIVER).any((0, 1)))[0][0])
    img = cv2.imread(str(out / 'images' / split_a / f'case_a_{z:04d}.png'), 0)
    cls = cv2.imread(str(out / 'labels' / split_a / f'case_a_{z:04d}.png'), 0)
    x, y = 40, 50                              # a voxel; the picture is (Y, X) flipped in both
    expected = np.clip(np.rint((hu[x, y, z] - (40 - 200)) / 400 * 255), 0, 255)
    assert img[hu.shape[1] - 1 - y, hu.shape[0] - 1 - x] == expected
    pic = lambda a: a[::-1, ::-1].T  # noqa: E731
    assert np.array_equal(cls == 1, pic(lab[:, :, z] == LIVER))
    assert np.array_equal(cls == 255, pic(lab[:, :, z] == KIDNEY_R))
    ano = cv2.imread(str(out / 'anomaly' / split_a / f'case_a_{z:04d}.png'), 0)
    assert set(np.unique(ano)) <= {0, 1, 255} and np.array_equal(ano == 1, cls == 255)
    meta = json.loads((out / 'meta.json').read_text())
    assert meta['classes'] == ['background', 'liver', 'spleen'] and meta['splits'] == splits


def test_errors_before_writing(tmp_path):
    make_task(tmp_path / 'T', n_reoriented=0)
    with pytest.raises(ValueError, match='neither inlier'):
        main(['--debug', '--task', str(tmp_path / 'T'), '--out', str(tmp_path / 'o'),
              '--inlier', '5:1', '--classes', 'bg', 'liver'])
    assert not (tmp_path / 'o').exists()
    os.remove(tmp_path / 'T' / 'labelsTr' / 'case_a.nii.gz')
    with pytest.raises(FileNotFoundError, match='labelsTr/case_a.nii.gz'):
        msd_pairs(str(tmp_path / 'T'))


def test_spacing_resamples_in_plane(tmp_path):
    make_task(tmp_path / 'T', n_reoriented=0)
    main(['--task', str(tmp_path / 'T'), '--out', str(tmp_path / 'o'), '--inlier', '5:1',
          '--classes', 'bg', 'liver', '--other-background', '--spacing', '1.5',
          '--fractions', '1', '0', '0'])
    img = cv2.imread(str(next((tmp_path / 'o' / 'images' / 'train').iterdir())), 0)
    assert img.shape == (202, 244)            # 101 x 122 voxels of 3 mm at 1.5 mm


def test_split_cases_is_a_seeded_partition():
    cases = [f'c{i}' for i in range(10)]
    a = split_cases(cases, (0.7, 0.1, 0.2), seed=1)
    assert a == split_cases(cases, (0.7, 0.1, 0.2), seed=1)
    assert [len(a[s]) for s in ('train', 'val', 'test')] == [7, 1, 2]
    assert sorted(sum(a.values(), [])) == sorted(cases)
