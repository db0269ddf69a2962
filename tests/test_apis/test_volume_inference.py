"""NIfTI volumes in, aligned volumes out: the published EMIDEC setting-B model on volumes the
test writes with non-trivial affines, against a 2D run on the converter's slices."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import nibabel as nib
import numpy as np
import pytest

from anomseg.apis import AnomalyInferencer, infer_volumes
from tests.conftest import REPO, require_shared
from tests.test_tools.test_train_test import run_tool

CFG = 'configs/mask2former/mask2former-lite_mnv2_1xb8-500_emidec-b-128x128.py'
CKPT = 'checkpoints/emidec/b-noqd.pth'


def oblique_affine():
    """1.4 x 1.3 x 8 mm voxels, rotated 30 degrees about z and 10 about x, shifted."""
    a, b = np.deg2rad(30), np.deg2rad(10)
    rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), -np.sin(b)], [0, np.sin(b), np.cos(b)]])
    affine = np.eye(4)
    affine[:3, :3] = rz @ rx @ np.diag([1.4, 1.3, 8.0])
    affine[:3, 3] = (-120.5, 80.25, 33.0)
    return affine


def heart_like_volume(shape, seed=0):
    """Short-axis-like stack: a bright ring (myocardium-ish) around a darker disc, noise."""
    rng = np.random.default_rng(seed)
    x, y = np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing='ij')
    r = np.hypot(x - shape[0] / 2, y - shape[1] / 2)
    volume = np.empty(shape, np.float32)
    for z in range(shape[2]):
        volume[:, :, z] = 200 + 400 * ((r > 20 + z) & (r < 30 + z)) + 150 * (r <= 20 + z)
    return (volume + rng.normal(0, 20, shape)).astype(np.int16)


@pytest.fixture(scope='module')
def inferencer():
    return AnomalyInferencer(osp.join(REPO, CFG), osp.join(REPO, CKPT))


def converted_volume(tmp_path, slices):
    """A 256 x 256 x ``slices`` EMIDEC-like volume (NIfTI path) and the PNG slices that
    data_prep/emidec.py converts it to (their paths, in slice order)."""
    from data_prep.emidec import convert
    volume = heart_like_volume((256, 256, slices))
    case = tmp_path / 'src' / 'Case_N900'
    for folder in ('Images', 'Contours'):
        (case / folder).mkdir(parents=True)
    image = nib.Nifti1Image(volume, oblique_affine())
    image.header.set_xyzt_units('mm', 'sec')
    nib.save(image, str(case / 'Images' / 'Case_N900.nii.gz'))
    nib.save(nib.Nifti1Image(np.zeros(volume.shape, np.uint8), oblique_affine()),
             str(case / 'Contours' / 'Case_N900.nii.gz'))
    convert(str(tmp_path / 'src'), str(tmp_path / 'slices'))
    return str(case / 'Images' / 'Case_N900.nii.gz'), [
        str(tmp_path / 'slices' / 'slices' / f'Case_N900_slice{z:03d}.png')
        for z in range(slices)]


@pytest.mark.slow
def test_volume_equals_the_2d_run_on_the_converters_slices(inferencer, tmp_path):
    """256 x 256 in-plane: the square picture is the transposed slice, so the volume's maps
    must equal the 2D run on data_prep/emidec.py's PNG slices, transposed back."""
    volume, pngs = converted_volume(tmp_path, 3)
    out = tmp_path / 'out'
    summary = infer_volumes(inferencer, volume, str(out), progress=False)
    assert summary['volumes'][0]['slices'] == 3
    for z, png in enumerate(pngs):
        result = inferencer(png)
        for name in inferencer.scorers:
            written = nib.load(str(out / f'Case_N900_anomaly_{name}.nii.gz'))
            np.testing.assert_allclose(np.asarray(written.dataobj)[:, :, z],
                                       result['scores'][name].T, rtol=1e-5, atol=1e-5)
        seg = np.asarray(nib.load(str(out / 'Case_N900_seg.nii.gz')).dataobj)
        np.testing.assert_array_equal(seg[:, :, z], result['sem_seg'].T)


@pytest.mark.slow
def test_a_slice_stack_model_sees_each_slice_with_its_neighbours(tmp_path):
    """A 2.5D config (LoadSliceStack) on a volume: each slice's maps equal the model's on the
    converter's PNG slices stacked by hand (previous, slice, next; a volume's ends repeat
    themselves); a single image is refused before any work."""
    stacked = AnomalyInferencer(
        osp.join(REPO, 'configs/mask2former/mask2former-lite_mnv2_1xb8-1k_emidec-a-25d-256x256.py'),
        osp.join(REPO, 'checkpoints/emidec/a-noqd-256.pth'))  # the same network's weights
    volume, pngs = converted_volume(tmp_path, 4)
    out = tmp_path / 'out'
    infer_volumes(stacked, volume, str(out), progress=False)
    grey = [cv2.imread(png, cv2.IMREAD_GRAYSCALE) for png in pngs]
    below, above = [0, 0, 1, 2], [1, 2, 3, 3]
    for z in range(4):
        result = stacked.infer_batch([np.dstack([grey[below[z]], grey[z], grey[above[z]]])])[0]
        for name in stacked.scorers:
            written = nib.load(str(out / f'Case_N900_anomaly_{name}.nii.gz'))
            np.testing.assert_allclose(np.asarray(written.dataobj)[:, :, z],
                                       result['scores'][name].T, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match='LoadSliceStack'):
        stacked(pngs[1])


@pytest.mark.slow
def test_cli_keeps_grid_affine_and_header(tmp_path):
    """A 200 x 150 x 3 volume, obliquely oriented, through tools/infer.py: every output on the
    input's grid with its affine, orientation and units; float32 maps; the patient score JSON
    is the quantile of the seg's organ (checked against the written volumes)."""
    src = tmp_path / 'volumes'
    src.mkdir()
    image = nib.Nifti1Image(heart_like_volume((200, 150, 3), seed=1), oblique_affine())
    image.header.set_xyzt_units('mm', 'sec')
    image.set_qform(oblique_affine(), code=1)
    nib.save(image, str(src / 'patient.nii.gz'))
    out = tmp_path / 'out'
    run_tool('tools/infer.py', CFG, CKPT, str(src), '--out-dir', str(out))
    record = json.loads((out / 'patient.json').read_text())
    assert record['shape'] == [200, 150, 3] and record['patient_score_definition'][
        'organ_classes'] == [1, 2, 3]
    source = nib.load(str(src / 'patient.nii.gz'))
    for name in ('maxquery', 'rba', 'msp', 'entropy', 'energy', 'seg'):
        written = nib.load(str(out / (f'patient_anomaly_{name}.nii.gz' if name != 'seg'
                                      else 'patient_seg.nii.gz')))
        assert written.shape == (200, 150, 3)
        np.testing.assert_allclose(written.affine, source.affine, atol=1e-5)
        assert nib.aff2axcodes(written.affine) == nib.aff2axcodes(source.affine)
        assert written.header.get_xyzt_units() == ('mm', 'sec')
        assert int(written.header['qform_code']) == 1
        assert written.get_data_dtype() == (np.uint8 if name == 'seg' else np.float32)
        assert np.isfinite(np.asarray(written.dataobj)).all()
    assert osp.getsize(out / 'patient_montage.png') > 0 and (out / 'summary.json').exists()
    assert_itk_geometry(out / 'patient_anomaly_maxquery.nii.gz', src / 'patient.nii.gz')


def itk_geometry(image):
    return image.GetSize(), image.GetOrigin(), image.GetSpacing(), image.GetDirection()


def assert_itk_geometry(path, reference):
    """As ITK reads them (3D Slicer and ITK-SNAP read NIfTI and DICOM through ITK): the output
    lies on the reference's grid. ``reference``: a NIfTI file, or a DICOM series folder."""
    sitk = pytest.importorskip('SimpleITK')
    if osp.isdir(reference):
        reader = sitk.ImageSeriesReader()
        reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(reference)))
        expected = reader.Execute()
    else:
        expected = sitk.ReadImage(str(reference))
    got = sitk.ReadImage(str(path))
    for a, b in zip(itk_geometry(got), itk_geometry(expected)):
        np.testing.assert_allclose(a, b, atol=1e-4)


@pytest.mark.slow
def test_totalsegmentator_ct(tmp_path):
    """The real CT of ../shared through the same path (a cardiac MRI model on abdominal CT:
    this checks the plumbing on a real header, not the scores)."""
    ct = require_shared('data', 'medical', 'totalsegmentator_example', 'example_ct_sm.nii.gz')
    out = tmp_path / 'out'
    run_tool('tools/infer.py', CFG, CKPT, ct, '--out-dir', str(out), '--scorer', 'maxquery')
    source = nib.load(ct)
    written = nib.load(str(out / 'example_ct_sm_anomaly_maxquery.nii.gz'))
    assert written.shape == source.shape
    np.testing.assert_allclose(written.affine, source.affine, atol=1e-5)
    assert json.loads((out / 'example_ct_sm.json').read_text())['slices'] == source.shape[2]


def test_bad_volume_is_named_before_the_model_loads(tmp_path):
    bad = tmp_path / 'broken.nii.gz'
    bad.write_bytes(b'not a volume')
    proc = subprocess.run([sys.executable, 'tools/infer.py', CFG, CKPT, str(bad), '--out-dir',
                           str(tmp_path / 'out')], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'broken.nii.gz: not a readable NIfTI volume' in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    good = tmp_path / 'ok.nii.gz'
    nib.save(nib.Nifti1Image(np.zeros((8, 8, 2), np.float32), np.eye(4)), str(good))
    proc = subprocess.run([sys.executable, 'tools/infer.py',
                           'configs/deeplabv3plus/deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py',
                           CKPT, str(good), '--out-dir', str(tmp_path / 'out')], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 2 and 'volume_slicing' in proc.stderr


@pytest.mark.slow
def test_dicom_series_folder(tmp_path):
    """A DICOM series folder in, NIfTI volumes on the series' grid out."""
    pytest.importorskip('pydicom')
    from anomseg.datasets.volume_slicing import load_dicom_series
    from tests.test_datasets.test_volume_slicing import write_dicom_series
    pixels = heart_like_volume((64, 48, 3)).transpose(2, 1, 0)   # slices x rows x columns
    write_dicom_series(tmp_path / 'series', (pixels + 1024) // 2, (1, 0, 0), (0, 1, 0),
                       (-30, -20, 10), (1.25, 1.25), (0, 0, 8))
    out = tmp_path / 'out'
    run_tool('tools/infer.py', CFG, CKPT, str(tmp_path / 'series'), '--out-dir', str(out),
             '--scorer', 'maxquery')
    series = load_dicom_series(str(tmp_path / 'series'))
    written = nib.load(str(out / 'series_anomaly_maxquery.nii.gz'))
    assert written.shape == series.shape == (64, 48, 3)
    np.testing.assert_allclose(written.affine, series.affine, atol=1e-5)
    assert nib.aff2axcodes(written.affine) == ('L', 'P', 'S')
    # the DICOM series as ITK (GDCM) reads it: the same grid
    assert_itk_geometry(out / 'series_anomaly_maxquery.nii.gz', tmp_path / 'series')
