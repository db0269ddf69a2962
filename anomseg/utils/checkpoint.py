"""Loading checkpoints without running code from the file.

A checkpoint is a pickle, and unpickling can call any function the file names. torch >= 2.6 loads
with ``weights_only=True`` by default: only tensors and plain containers may appear, which refuses
the few other types an mmengine checkpoint holds (the message hub's ``HistoryBuffer``, numpy arrays
and scalars in the logged state). Turning the check off (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``)
would let a crafted file run arbitrary code. anomseg instead registers a loader for local files
that allows exactly those types and nothing else. A file that needs more fails with an error that
names the types; for a file whose origin you trust, set ``ANOMSEG_TRUST_CHECKPOINTS=1`` (the tools'
``--trust-checkpoint``) to unpickle it in full.
"""
import os
import os.path as osp
import pickle
import re

import numpy as np
import torch
from mmengine.runner import CheckpointLoader

TRUST_ENV = 'ANOMSEG_TRUST_CHECKPOINTS'


class UntrustedCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds types outside the allow-list and was not marked as trusted."""


def history_buffer_getattr(obj, name):
    """``getattr`` restricted to what a pickled ``HistoryBuffer`` asks of it: the class's
    statistics methods (min, max, current, mean, ...), which its state refers to by name."""
    from mmengine.logging import HistoryBuffer
    # the built-in four are registered only when a first HistoryBuffer is made
    known = {'min', 'max', 'current', 'mean', *HistoryBuffer._statistics_methods}
    if obj is HistoryBuffer and name in known:
        return getattr(obj, name)
    raise pickle.UnpicklingError(f'getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


def allowed_globals():
    """The non-tensor types that mmengine/mmseg checkpoints contain, and nothing callable else.

    Entries are objects or (object, name in the pickle) pairs, as torch's ``safe_globals`` takes.
    """
    from mmengine.logging import HistoryBuffer
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    dtypes = [type(np.dtype(name)) for name in (
        'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64',
        'float16', 'float32', 'float64')]
    return [HistoryBuffer, np.ndarray, np.dtype, multiarray._reconstruct, multiarray.scalar,
            *dtypes, (history_buffer_getattr, 'builtins.getattr')]


def _allowed_names():
    return {g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}'
            for g in allowed_globals()}


def checkpoints_trusted():
    return os.environ.get(TRUST_ENV, '').lower() in ('1', 'true', 'yes')


def load_checkpoint_file(filename, map_location=None):
    """Load a local checkpoint, unpickling only allow-listed types unless trusted (see module)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    if checkpoints_trusted():
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(allowed_globals()):
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        raise UntrustedCheckpointError(
            f'{filename}: refused to unpickle {_refused_types(filename, err)}, which is not '
            'among the types an mmengine checkpoint holds; loading it could run code from the '
            f'file. If you trust where it came from, set {TRUST_ENV}=1 (or pass '
            '--trust-checkpoint to the tools) to load it in full.') from None


def _refused_types(filename, err):
    try:
        allowed = _allowed_names()
        names = [n for n in torch.serialization.get_unsafe_globals_in_checkpoint(filename)
                 if n not in allowed]
    except Exception:  # legacy (non-zip) files cannot be listed: take torch's own words
        names = []
    if not names:
        found = re.search(r'WeightsUnpickler error:\s*(.*?)\s*(Check the documentation|$)',
                          str(err), re.S)
        detail = found.group(1) if found else str(err).split('\n')[0]
        names = re.findall(r'GLOBAL ([\w.]+)', detail) or [detail]
    return ', '.join(sorted(set(names)))


def register_safe_loader():
    """Make mmengine's local-file checkpoint scheme (prefix '') use ``load_checkpoint_file``."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_file, force=True)
