"""Writing outputs atomically: a reader never sees a half-written file under the final name."""
import contextlib
import io
import json
import os
import os.path as osp
import re
import shutil
import tempfile

import cv2
import numpy as np

from .errors import InputError


def _default_mode(path, directory=False):
    """Give a temporary file (0600) or folder (0700) the mode a plain ``open`` / ``mkdir`` would
    have given it under the process's umask, so that outputs are as readable as any other."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, (0o777 if directory else 0o666) & ~umask)


def _temp_prefix(path):
    """Name prefix of the temporary file or folder that becomes ``path``: ``.NAME-PID-``."""
    return f'.{osp.basename(osp.abspath(path))}-{os.getpid()}-'


TEMPORARY = re.compile(r'^\.(.+)-(\d+)-[^-]+$')  # .NAME-PID-RANDOM[SUFFIX], as _temp_prefix
_stale = {}  # folder -> {NAME: temporaries of dead processes}, listed once per process


def _dead(pid):
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # another user's process: alive, not ours
    return False


def remove_stale_temporaries(path):
    """Delete the temporaries (``.NAME-PID-*``) that processes no longer running left beside
    ``path`` when killed before renaming them; those of live processes stay. The folder is
    listed once per process (a run writing thousands of files into one folder would otherwise
    list it at every write)."""
    folder, name = osp.split(osp.abspath(path))
    if folder not in _stale:
        found, dead = {}, {}
        with contextlib.suppress(OSError):
            for entry in os.listdir(folder):
                match = TEMPORARY.match(entry)
                if match:
                    pid = int(match.group(2))
                    if pid not in dead:
                        dead[pid] = _dead(pid)
                    if dead[pid]:
                        found.setdefault(match.group(1), []).append(entry)
        _stale[folder] = found
    for entry in _stale[folder].pop(name, ()):
        stale = osp.join(folder, entry)
        if osp.isdir(stale) and not osp.islink(stale):
            shutil.rmtree(stale, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(stale)


@contextlib.contextmanager
def atomic_file(path, suffix=''):
    """Yield a temporary path beside ``path`` (``.NAME-PID-XXXX``, ``suffix`` kept for writers
    that go by the extension); it becomes ``path`` when the block ends without error and is
    deleted otherwise. Stale temporaries of killed runs are removed first."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        _default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise


def write_bytes_atomic(path, data):
    """Write to a temporary file in the same folder, then rename it over ``path``."""
    with atomic_file(path) as tmp, open(tmp, 'wb') as fh:
        fh.write(data)


def write_image_atomic(path, image):
    """Encode a BGR/grey uint8 image by the path's extension and write it atomically."""
    ok, buf = cv2.imencode(osp.splitext(path)[1] or '.png', image)
    if not ok:
        raise RuntimeError(f'{path}: could not encode an image of shape {image.shape}')
    write_bytes_atomic(path, buf.tobytes())


def write_json_atomic(path, obj, sort_keys=True):
    write_bytes_atomic(path, (json.dumps(obj, indent=2, sort_keys=sort_keys) + '\n').encode())


@contextlib.contextmanager
def atomic_output_dir(dst):
    """Yield a temporary folder beside ``dst``; it becomes ``dst`` when the block ends without
    error and is deleted otherwise, so ``dst`` is either complete or absent."""
    parent = osp.dirname(osp.abspath(dst))
    os.makedirs(parent, exist_ok=True)
    remove_stale_temporaries(dst)
    tmp = tempfile.mkdtemp(prefix=_temp_prefix(dst), dir=parent)
    try:
        yield tmp
        _default_mode(tmp, directory=True)
        os.replace(tmp, dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def check_new_output_dir(src, dst):
    """Refuse an output folder that exists (ValueError), lies inside the source tree ``src``
    (None: no source; ``check_outside``) or cannot be written (``check_output_writable``)."""
    if osp.exists(osp.abspath(dst)):
        raise InputError(f'{osp.abspath(dst)} exists: choose a new output folder')
    check_outside([src], dst, 'output folder')
    check_output_writable(dst)


def check_output_writable(path, what='output folder'):
    """Fail before any work (PermissionError naming ``path``) where ``path`` cannot be created or
    written: probes the nearest existing folder by creating and removing a temporary folder in it,
    which also catches read-only file systems and a path under a file."""
    probe = osp.abspath(path)
    while not osp.exists(probe):
        probe = osp.dirname(probe)
    if not osp.isdir(probe):
        raise NotADirectoryError(f'{what} {path}: {probe} is a file, not a folder')
    try:
        os.rmdir(tempfile.mkdtemp(prefix='.anomseg-probe-', dir=probe))
    except OSError as err:
        raise PermissionError(f'{what} {path}: cannot write in {probe} '
                              f'({err.strerror or err})') from None


def check_outside(inputs, output, what='output'):
    """Refuse (ValueError) an output path that is, or lies inside, one of the input folders: a
    later run would read the outputs as inputs."""
    out = osp.realpath(output)
    for src in inputs:
        if not src:
            continue
        src = osp.realpath(src)
        if osp.isdir(src) and (out == src or out.startswith(src.rstrip(os.sep) + os.sep)):
            raise InputError(f"{what} {output} lies inside the source {src}: write it elsewhere")


def write_npy_atomic(path, array):
    buf = io.BytesIO()
    np.save(buf, array)
    write_bytes_atomic(path, buf.getvalue())


def write_hdf5_atomic(path, value, dtype=np.float16):
    """One dataset ``value`` (``dtype``, gzip) in an HDF5 file: the SMIYC submission format."""
    import h5py
    with atomic_file(path) as tmp, h5py.File(tmp, 'w') as fh:
        fh.create_dataset('value', data=np.asarray(value, dtype), compression='gzip')
