import nibabel as nib
import numpy as np
import pytest

from anomseg.datasets.volume_slicing import VolumeSlicing, square_slice, volume_stem
from anomseg.utils.errors import InputError


def smooth(shape, seed=0):
    """A smooth field (low-frequency cosines): linear resampling there and back keeps it."""
    rng = np.random.default_rng(seed)
    grids = np.meshgrid(*[np.linspace(0, 1, n) for n in shape], indexing='ij')
    return sum(np.cos(2 * np.pi * rng.uniform(0.2, 0.8) * g + rng.uniform(0, 6)) for g in grids
               ).astype(np.float32)


def test_square_pictures_by_hand():
    slicing = VolumeSlicing(picture='square', size=4)
    array = np.array([[1, 2], [3, 4], [5, 6], [7, 8]], np.float32)  # X = 4, Y = 2
    picture = square_slice(array, 4, nearest=True)
    # transposed (X along the columns), rows 1-2 of the padded square
    np.testing.assert_array_equal(picture, [[0, 0, 0, 0], [1, 3, 5, 7], [2, 4, 6, 8],
                                            [0, 0, 0, 0]])
    np.testing.assert_array_equal(slicing.to_slice(picture, array.shape, nearest=True), array)


@pytest.mark.parametrize('slicing,shape,zooms', [
    (VolumeSlicing(picture='square', size=96), (60, 40), (1.0, 1.0)),
    (VolumeSlicing(picture='radiological', spacing=0.5), (30, 50), (1.2, 0.8)),
    (VolumeSlicing(picture='radiological'), (30, 50), (1.2, 0.8)),
])
def test_to_slice_inverts_the_picture(slicing, shape, zooms):
    field = smooth(shape)
    picture = slicing.picture_of(field, zooms)
    back = slicing.to_slice(picture, shape)
    assert back.shape == shape
    # away from the border (where the square's padding blends in)
    np.testing.assert_allclose(back[2:-2, 2:-2], field[2:-2, 2:-2], atol=0.05)
    labels = (field > 0).astype(np.uint8)
    back = slicing.to_slice(slicing.picture_of(labels, zooms, nearest=True), shape, nearest=True)
    assert np.mean(back == labels) > 0.99


def test_canonical_slicing_returns_to_the_stored_orientation(tmp_path):
    data = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    # stored as LPI with a rotation about the z axis: as_closest_canonical flips x, y and z
    affine = np.diag([-1.5, -1.0, -2.0, 1.0])
    affine[:3, 3] = (10, -20, 5)
    path = str(tmp_path / 'lpi.nii.gz')
    nib.save(nib.Nifti1Image(data, affine), path)
    slicing = VolumeSlicing(picture='radiological', canonical=True)
    image, grid, zooms = slicing.read(path)
    np.testing.assert_array_equal(grid, data[::-1, ::-1, ::-1])
    np.testing.assert_allclose(zooms, (1.5, 1.0, 2.0))
    back = slicing.to_volume_orientation(slicing.slices(grid), image)
    np.testing.assert_array_equal(back, data)
    along_x = VolumeSlicing(picture='square', size=8, axis=0)
    assert along_x.slices(data).shape == (5, 6, 4)
    np.testing.assert_array_equal(along_x.to_volume_orientation(along_x.slices(data), image),
                                  data)


def test_bad_settings_and_names():
    with pytest.raises(InputError, match='needs size'):
        VolumeSlicing(picture='square')
    with pytest.raises(InputError, match='picture must be one of'):
        VolumeSlicing(picture='coronal')
    assert volume_stem('/a/b/Case_P001.nii.gz') == 'Case_P001'
    assert volume_stem('x.NII') == 'x'


def write_dicom_series(folder, pixels, row, column, origin, spacing, step):
    """A CT series (pixels: slices x rows x columns, int16) with file names out of position
    order; stored values are (HU + 1024) / 2 (RescaleSlope 2, RescaleIntercept -1024)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, generate_uid
    folder.mkdir()
    series = generate_uid()
    n = pixels.shape[0]
    for k in range(n):
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds = Dataset()
        ds.file_meta = meta
        ds.SOPClassUID, ds.SOPInstanceUID = CTImageStorage, meta.MediaStorageSOPInstanceUID
        ds.SeriesInstanceUID, ds.Modality = series, 'CT'
        ds.Rows, ds.Columns = pixels.shape[1:]
        ds.ImageOrientationPatient = [float(v) for v in (*row, *column)]
        ds.ImagePositionPatient = [float(v) for v in np.asarray(origin) + k * np.asarray(step)]
        ds.PixelSpacing = [float(v) for v in spacing]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, 'MONOCHROME2'
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleSlope, ds.RescaleIntercept = 2, -1024
        ds.PixelData = pixels[k].astype(np.int16).tobytes()
        ds.save_as(str(folder / f'IM{(7 * (n - k)) % 11:02d}'), enforce_file_format=True)


def test_dicom_series_grid_and_values(tmp_path):
    pytest.importorskip('pydicom')
    from anomseg.datasets.volume_slicing import load_dicom_series
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 1000, (5, 6, 7)).astype(np.int16)   # 5 slices of 6 rows x 7 cols
    row = np.array([np.cos(0.3), np.sin(0.3), 0.0])
    column = np.array([0.0, 0.0, -1.0])                           # a coronal-ish series
    step = np.cross(row, column) * 2.5
    origin = np.array([-100.0, 50.0, 20.0])
    write_dicom_series(tmp_path / 'series', pixels, row, column, origin, (0.8, 0.7), step)
    image = load_dicom_series(str(tmp_path / 'series'))
    data = np.asarray(image.dataobj)
    assert data.shape == (7, 6, 5)
    for j, i, k in ((0, 0, 0), (6, 5, 4), (3, 2, 1)):
        assert data[j, i, k] == pixels[k, i, j] * 2 - 1024
        lps = origin + j * 0.7 * row + i * 0.8 * column + k * step
        np.testing.assert_allclose(image.affine @ [j, i, k, 1], [-lps[0], -lps[1], lps[2], 1],
                                   atol=1e-4)


def test_canonical_grid_equals_nibabels_on_a_permuted_oblique_volume(tmp_path):
    from anomseg.datasets.volume_slicing import load_canonical
    data = np.random.default_rng(1).random((5, 6, 7)).astype(np.float32)
    affine = np.zeros((4, 4))
    affine[0, 2], affine[1, 0], affine[2, 1], affine[3, 3] = -2.0, 0.7, -1.3, 1.0  # axes permuted
    affine[:3, :3] = affine[:3, :3] @ np.array([[1, 0.1, 0], [0, 1, 0], [0, 0, 1]])  # sheared
    path = str(tmp_path / 'permuted.nii.gz')
    nib.save(nib.Nifti1Image(data, affine), path)
    reference = nib.as_closest_canonical(nib.load(path))
    volume, zooms = load_canonical(path)
    np.testing.assert_array_equal(volume, reference.get_fdata(dtype=np.float32))
    np.testing.assert_allclose(zooms, reference.header.get_zooms()[:3], rtol=1e-6)


def test_bad_volumes_are_named(tmp_path):
    pytest.importorskip('pydicom')
    from anomseg.datasets.volume_slicing import load_dicom_series, load_volume
    four_d = str(tmp_path / 'multi.nii.gz')
    nib.save(nib.Nifti1Image(np.zeros((4, 4, 3, 2), np.float32), np.eye(4)), four_d)
    with pytest.raises(InputError, match='multi.nii.gz: expected a 3D volume'):
        load_volume(four_d)
    pixels = np.zeros((2, 4, 5), np.int16)
    write_dicom_series(tmp_path / 'a', pixels, (1, 0, 0), (0, 1, 0), (0, 0, 0), (1, 1), (0, 0, 2))
    write_dicom_series(tmp_path / 'b', pixels, (1, 0, 0), (0, 1, 0), (0, 0, 9), (1, 1), (0, 0, 2))
    mixed = tmp_path / 'mixed'
    mixed.mkdir()
    for folder in ('a', 'b'):
        for f in (tmp_path / folder).iterdir():
            (mixed / f'{folder}{f.name}').write_bytes(f.read_bytes())
    with pytest.raises(InputError, match='not of the same series'):
        load_dicom_series(str(mixed))
