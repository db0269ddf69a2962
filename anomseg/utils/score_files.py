"""Score-map files as methods save them: ``FRAME_ID.npy`` (any real dtype) or the SMIYC
submission's ``FRAME_ID.hdf5`` (dataset ``value``), read whole or by header only, with one
error naming a file that cannot be read."""
import numpy as np

from anomseg.utils.errors import InputError

SCORE_SUFFIXES = ('.npy', '.hdf5')


def _hdf5_value(fh):
    """The dataset ``value`` of a SMIYC submission file, stored in the file itself: a link to
    another file, a group, or a virtual or externally stored dataset (which would read other
    files) raises ValueError."""
    import h5py
    link = fh.get('value', getlink=True)
    if link is None:
        raise InputError('no dataset "value" (the SMIYC submission layout)')
    if not isinstance(link, h5py.HardLink):
        raise InputError(f'"value" is a {type(link).__name__}, not a dataset stored in the file')
    value = fh['value']
    if not isinstance(value, h5py.Dataset):
        raise InputError('"value" is a group, not a dataset')
    if value.is_virtual or value.external:
        raise InputError('"value" reads its data from other files (virtual or external '
                         'storage)')
    return value


def _load(path, header_only):
    """The map of a ``.npy`` / SMIYC ``.hdf5`` score file, or only its (shape, dtype); a file
    that cannot be read raises one ValueError naming it."""
    try:
        if path.endswith('.hdf5'):
            import h5py
            with h5py.File(path, 'r') as fh:
                value = _hdf5_value(fh)
                return (value.shape, value.dtype) if header_only else value[()]
        array = np.load(path, mmap_mode='r' if header_only else None, allow_pickle=False)
        if not isinstance(array, np.ndarray):
            raise InputError(f'holds {type(array).__name__}, not one array')
        return (array.shape, array.dtype) if header_only else array
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: no such score file') from None
    except Exception as err:  # noqa: BLE001  (numpy and h5py raise many kinds on bad files)
        raise InputError(f'{path}: not a readable score map ({type(err).__name__}: {err})'
                         ) from None


def _check_map(path, shape, dtype):
    if len(shape) != 2 or dtype.kind not in 'fiub':
        raise InputError(f'{path}: expected a 2-D map of real numbers, got {dtype} of shape '
                         f'{tuple(shape)}')


def read_score_file(path):
    """(H, W) scores from ``.npy`` or from a SMIYC submission ``.hdf5`` (dataset ``value``),
    keeping their dtype (the official evaluators threshold float16 maps as float16). A file that
    cannot be read, or holds no 2-D map of real numbers, raises one ValueError naming it."""
    scores = _load(path, header_only=False)
    _check_map(path, scores.shape, scores.dtype)
    return scores


def score_file_header(path):
    """(shape, dtype) of a score file from its header, without reading the map, checked to be
    a 2-D map of real numbers (ValueError naming the file)."""
    shape, dtype = _load(path, header_only=True)
    _check_map(path, shape, dtype)
    return shape, dtype
