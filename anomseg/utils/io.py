"""Writing outputs atomically: a reader never sees a half-written file under the final name."""
import contextlib
import io
import json
import os
import os.path as osp
import shutil
import tempfile

import cv2
import numpy as np


def _default_mode(path, directory=False):
    """Give a temporary file (0600) or folder (0700) the mode a plain ``open`` / ``mkdir`` would
    have given it under the process's umask, so that outputs are as readable as any other."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, (0o777 if directory else 0o666) & ~umask)


def write_bytes_atomic(path, data):
    """Write to a temporary file in the same folder, then rename it over ``path``."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as fh:
            fh.write(data)
        _default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def write_image_atomic(path, image):
    """Encode a BGR/grey uint8 image by the path's extension and write it atomically."""
    ok, buf = cv2.imencode(osp.splitext(path)[1] or '.png', image)
    if not ok:
        raise ValueError(f'{path}: could not encode an image of shape {image.shape}')
    write_bytes_atomic(path, buf.tobytes())


def write_json_atomic(path, obj):
    write_bytes_atomic(path, (json.dumps(obj, indent=2, sort_keys=True) + '\n').encode())


@contextlib.contextmanager
def atomic_output_dir(dst):
    """Yield a temporary folder beside ``dst``; it becomes ``dst`` when the block ends without
    error and is deleted otherwise, so ``dst`` is either complete or absent."""
    parent = osp.dirname(osp.abspath(dst))
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f'.{osp.basename(osp.abspath(dst))}-', dir=parent)
    try:
        yield tmp
        _default_mode(tmp, directory=True)
        os.replace(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_new_output_dir(src, dst):
    """Refuse an output folder that exists or lies inside the source tree (ValueError); ``src``
    None: only the first check."""
    dst = osp.abspath(dst)
    if osp.exists(dst):
        raise ValueError(f'{dst} exists: choose a new output folder')
    if src is None:
        return
    src = osp.abspath(src)
    if dst == src or dst.startswith(src + os.sep):
        raise ValueError(f'{dst} lies inside the source {src}: write the output elsewhere')


def write_npy_atomic(path, array):
    buf = io.BytesIO()
    np.save(buf, array)
    write_bytes_atomic(path, buf.getvalue())


def write_hdf5_atomic(path, value, dtype=np.float16):
    """One dataset ``value`` (``dtype``, gzip) in an HDF5 file: the SMIYC submission format."""
    import h5py
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.', dir=folder)
    os.close(fd)
    try:
        with h5py.File(tmp, 'w') as fh:
            fh.create_dataset('value', data=np.asarray(value, dtype), compression='gzip')
        _default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise
