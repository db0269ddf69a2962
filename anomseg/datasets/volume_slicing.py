"""How a 3D volume becomes the 2D pictures a slice model was trained on, and back.

The slice converters (``data_prep/emidec.py``, ``data_prep/msd.py``, ``data_prep/nnunet.py``)
and volume inference (``tools/infer.py`` on NIfTI files) share these steps, so a volume at
inference goes through exactly the intensity handling and geometry of the training slices:

1. read the volume as stored, or reoriented to RAS+ (``canonical``);
2. bring it to 8 bits: a CT window (level, width) in HU, or the volume's own 0.5 / 99.5
   percentiles (MRI);
3. cut it along ``axis`` (the third array axis by default) and turn each slice into a picture:
   ``'square'`` (EMIDEC: transposed, zero-padded to a centred square, resized to ``size``) or
   ``'radiological'`` (MSD / nnU-Net: resampled in-plane to ``spacing`` mm, anterior up and the
   patient's right on the image's left).

``VolumeSlicing.to_slice`` maps a picture-sized map back onto the slice's own grid (linear for
scores, nearest for classes), and ``VolumeSlicing.to_volume_orientation`` undoes step 1, so
outputs lie on the input's voxel grid.
"""
import glob
import os.path as osp

import cv2
import numpy as np

from anomseg.utils.errors import InputError
from anomseg.utils.optional import import_optional

PICTURES = ('square', 'radiological')
VOLUME_SUFFIXES = ('.nii.gz', '.nii')


def is_volume_file(path):
    return str(path).lower().endswith(VOLUME_SUFFIXES)


def is_dicom_file(path):
    """A DICOM Part 10 file: 'DICM' after the 128-byte preamble."""
    try:
        with open(path, 'rb') as fh:
            fh.seek(128)
            return fh.read(4) == b'DICM'
    except OSError:
        return False


def is_dicom_series(folder):
    """A folder whose files include DICOM files (one series: ``load_dicom_series``)."""
    return osp.isdir(folder) and any(is_dicom_file(p) for p in glob.glob(osp.join(folder, '*'))
                                     if osp.isfile(p))


def load_dicom_series(folder):
    """The DICOM series of ``folder`` as a nibabel NIfTI image: slices ordered along the normal
    of their ImageOrientationPatient, rescaled (RescaleSlope / Intercept), with the affine from
    ImagePositionPatient and PixelSpacing, turned from DICOM's LPS to NIfTI's RAS. Array axes:
    (column, row, slice). Needs pydicom (the ``medical`` extra)."""
    pydicom = import_optional('pydicom', 'reading DICOM series')
    nib = import_optional('nibabel', 'reading NIfTI volumes')
    slices = []
    for path in sorted(p for p in glob.glob(osp.join(folder, '*')) if is_dicom_file(p)):
        try:
            ds = pydicom.dcmread(path)
            orientation = np.asarray(ds.ImageOrientationPatient, np.float64)
            position = np.asarray(ds.ImagePositionPatient, np.float64)
            spacing = np.asarray(ds.PixelSpacing, np.float64)
            pixels = ds.pixel_array.astype(np.float32)
        except Exception as err:  # pydicom raises several types for broken files
            raise InputError(f'{path}: not a readable DICOM image slice ({err})') from None
        pixels = pixels * float(getattr(ds, 'RescaleSlope', 1) or 1) + \
            float(getattr(ds, 'RescaleIntercept', 0) or 0)
        slices.append((path, orientation, position, spacing, pixels,
                       str(getattr(ds, 'SeriesInstanceUID', ''))))
    if not slices:
        raise FileNotFoundError(f'{folder}: no DICOM file')
    first = slices[0]
    for path, orientation, _, spacing, pixels, series in slices[1:]:
        if series != first[5] or not np.allclose(orientation, first[1], atol=1e-4) or \
                pixels.shape != first[4].shape or not np.allclose(spacing, first[3]):
            raise InputError(f'{path}: not of the same series, orientation, size and spacing as '
                             f'{first[0]}; one folder holds one series')
    row, column = first[1][:3], first[1][3:]
    normal = np.cross(row, column)
    slices.sort(key=lambda s: float(np.dot(s[2], normal)))
    data = np.stack([s[4].T for s in slices], axis=2)  # (column, row, slice)
    step = ((slices[-1][2] - slices[0][2]) / (len(slices) - 1) if len(slices) > 1
            else normal * float(getattr(pydicom.dcmread(first[0]), 'SliceThickness', 1) or 1))
    affine = np.eye(4)
    affine[:3, 0] = row * first[3][1]      # along a row: the column spacing
    affine[:3, 1] = column * first[3][0]   # down a column: the row spacing
    affine[:3, 2] = step
    affine[:3, 3] = slices[0][2]
    affine = np.diag([-1.0, -1.0, 1.0, 1.0]) @ affine   # LPS -> RAS
    image = nib.Nifti1Image(data, affine)
    image.header.set_xyzt_units('mm')
    return image


def volume_stem(path):
    """The file name without ``.nii`` / ``.nii.gz`` (a DICOM series: its folder's name)."""
    name = str(path).replace('\\', '/').rstrip('/').rsplit('/', 1)[-1]
    for suffix in VOLUME_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[:-len(suffix)]
    return name


def load_nifti(path):
    """The nibabel image of a NIfTI file, its data read (a truncated file fails here, named), or
    of a DICOM series folder (``load_dicom_series``)."""
    if osp.isdir(path):
        return load_dicom_series(path)
    nib = import_optional('nibabel', 'reading NIfTI volumes')
    try:
        image = nib.load(path)
        image.get_fdata(dtype=np.float32)  # cached: the data is read once
    except Exception as err:  # nibabel raises several types for broken files
        raise InputError(f'{path}: not a readable NIfTI volume ({err})') from None
    return image


def volume_data(image, path):
    """float32 3D data of a nibabel image (a trailing axis of one dropped)."""
    volume = np.asarray(image.get_fdata(dtype=np.float32))
    if volume.ndim == 4 and volume.shape[3] == 1:
        volume = volume[..., 0]
    if volume.ndim != 3:
        raise InputError(f'{path}: expected a 3D volume, got shape {volume.shape}')
    return volume


def load_volume(path):
    """(volume as stored, float32, 3 axes) of a NIfTI file."""
    return volume_data(load_nifti(path), path)


def load_canonical(path):
    """(volume as float32 in RAS+ axis order, voxel sizes (3,)) of a NIfTI file."""
    image = load_nifti(path)
    return to_canonical(volume_data(image, path), image)


def to_canonical(volume, image):
    """(``volume`` of ``image``'s grid in RAS+ axis order, the voxel sizes along its axes): what
    ``nibabel.as_closest_canonical`` does, on the data already read."""
    nib = import_optional('nibabel', 'reading NIfTI volumes')
    ornt = nib.orientations.io_orientation(image.affine)
    zooms = np.empty(3, np.float64)
    zooms[ornt[:, 0].astype(int)] = image.header.get_zooms()[:3]
    return nib.orientations.apply_orientation(volume, ornt), zooms


def to_uint8(volume, window=None, percentiles=(0.5, 99.5)):
    """CT window (level, width) or, without one, the volume's percentile range -> uint8."""
    if window is not None:
        level, width = window
        lo, hi = level - width / 2, level + width / 2
    else:
        lo, hi = np.percentile(volume, percentiles)
    scaled = (volume - lo) / max(hi - lo, 1e-6)
    return np.clip(np.rint(scaled * 255), 0, 255).astype(np.uint8)


def resample_slice(array, zooms, spacing, nearest):
    """Resize an (X, Y) slice with voxel sizes ``zooms`` to ``spacing`` mm."""
    if spacing is None:
        return array
    x, y = array.shape
    size = (max(1, int(round(y * zooms[1] / spacing))), max(1, int(round(x * zooms[0] / spacing))))
    interp = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    return cv2.resize(array, size, interpolation=interp)


def slice_picture(array):
    """An axial RAS slice (x: right, y: anterior) as a picture: anterior up, patient's right on
    the left of the image (the radiological convention)."""
    return np.ascontiguousarray(array[::-1, ::-1].T)


def square_slice(array, size, nearest):
    """A (X, Y) slice as a size x size picture: transposed (X as columns), zero-padded to a
    centred square, resized."""
    picture = np.ascontiguousarray(array.T)
    h, w = picture.shape
    side = max(h, w)
    top, left = (side - h) // 2, (side - w) // 2
    square = np.zeros((side, side), picture.dtype)
    square[top:top + h, left:left + w] = picture
    return cv2.resize(square, (size, size),
                      interpolation=cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR)


def _resize(array, shape, nearest):
    """``array`` (H, W; a dtype OpenCV resizes: uint8, int16, float32, ...) resized to ``shape``
    (h, w); unchanged when it has that shape."""
    if array.shape == tuple(shape):
        return array
    # nearest with pixel centres aligned: back onto the grid that INTER_NEAREST resized from
    return cv2.resize(array, (int(shape[1]), int(shape[0])),
                      interpolation=cv2.INTER_NEAREST_EXACT if nearest else cv2.INTER_LINEAR)


class VolumeSlicing:
    """A config's ``volume_slicing``: ``dict(picture='square', size=256)`` (EMIDEC's converter),
    ``dict(picture='radiological', canonical=True, window=(40, 400), spacing=0.8)`` (MSD's), with
    ``axis`` (default 2) and ``percentiles`` (default (0.5, 99.5), used without a window)."""

    def __init__(self, picture='square', size=None, axis=2, canonical=False, window=None,
                 percentiles=(0.5, 99.5), spacing=None):
        if picture not in PICTURES:
            raise InputError(f'volume_slicing: picture must be one of {PICTURES}, got {picture!r}')
        if picture == 'square' and not size:
            raise InputError("volume_slicing: picture='square' needs size (pixels)")
        if axis not in (0, 1, 2):
            raise InputError(f'volume_slicing: axis must be 0, 1 or 2, got {axis!r}')
        self.picture, self.size, self.axis = picture, size, axis
        self.canonical, self.window, self.percentiles = canonical, window, tuple(percentiles)
        self.spacing = spacing

    def read(self, path):
        """(nibabel image as stored, volume on the slicing grid (float32), its voxel sizes)."""
        image = load_nifti(path)
        volume = volume_data(image, path)
        if self.canonical:
            return (image, *to_canonical(volume, image))
        return image, volume, np.asarray(image.header.get_zooms()[:3], np.float64)

    def slices(self, volume):
        """The volume with the slicing axis last."""
        return np.moveaxis(volume, self.axis, 2)

    def pictures(self, volume, zooms):
        """uint8 pictures (H, W) of every slice of ``volume`` (the slicing grid), in order."""
        grey = self.slices(to_uint8(volume, self.window, self.percentiles))
        in_plane = [z for i, z in enumerate(zooms) if i != self.axis]
        for z in range(grey.shape[2]):
            yield self.picture_of(grey[:, :, z], in_plane)

    def picture_of(self, array, zooms, nearest=False):
        if self.picture == 'square':
            return square_slice(array, self.size, nearest)
        return slice_picture(resample_slice(array, zooms, self.spacing, nearest))

    def to_slice(self, picture_map, slice_shape, nearest=False):
        """A picture-sized map back on an (X, Y) slice grid: the inverse of ``picture_of``
        (linear interpolation, or nearest for classes)."""
        x, y = slice_shape
        if self.picture == 'square':
            side = max(x, y)
            top, left = (side - y) // 2, (side - x) // 2
            square = _resize(picture_map, (side, side), nearest)
            return np.ascontiguousarray(square[top:top + y, left:left + x].T)
        resampled = np.ascontiguousarray(picture_map.T[::-1, ::-1])
        return _resize(resampled, (x, y), nearest)

    def to_volume_orientation(self, data, image):
        """``data`` on the slicing grid (slicing axis last) -> the axis order and directions of
        ``image`` as stored."""
        data = np.moveaxis(data, 2, self.axis)
        if not self.canonical:
            return data
        nib = import_optional('nibabel', 'reading NIfTI volumes')
        orientations = nib.orientations
        stored = orientations.io_orientation(image.affine)
        ras = orientations.axcodes2ornt(('R', 'A', 'S'))
        return orientations.apply_orientation(data, orientations.ornt_transform(ras, stored))
