"""Loading checkpoints without running code from the file.

A checkpoint is a pickle, and unpickling can call any function the file names. torch >= 2.6 loads
with ``weights_only=True`` by default: only tensors and plain containers may appear, which refuses
the few other types an mmengine checkpoint holds (the message hub's ``HistoryBuffer``, numpy arrays
and scalars in the logged state). Turning the check off (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``)
would let a crafted file run arbitrary code. anomseg instead registers a loader for local files
that allows exactly those types and nothing else. A file that needs more fails with an error that
names the types; for a file whose origin you trust, set ``ANOMSEG_TRUST_CHECKPOINTS=1`` (the tools'
``--trust-checkpoint``) to unpickle it in full.

Published checkpoints (``compact_checkpoint``) keep only the weights, in half precision; a
fine-tuned model may be published as a delta: the tensors that differ from its base model, with
the base's file name and SHA-256. ``load_checkpoint_file`` expands a delta on load (the base is
read from the delta's folder and checked against its sum), so every tool takes either kind.
"""
import hashlib
import os
import os.path as osp
import pickle
import zipfile
import re

import numpy as np
import torch
from mmengine.runner import CheckpointLoader

from .errors import InputError

TRUST_ENV = 'ANOMSEG_TRUST_CHECKPOINTS'


class UntrustedCheckpointError(InputError, pickle.UnpicklingError):
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
    try:
        if checkpoints_trusted():
            checkpoint = torch.load(filename, map_location=map_location, weights_only=False)
        else:
            with torch.serialization.safe_globals(allowed_globals()):
                checkpoint = torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        if 'Unsupported operand' in str(err) or 'Weights only load failed' not in str(err):
            raise _damaged(filename, err) from None
        raise UntrustedCheckpointError(
            f'{filename}: refused to unpickle {_refused_types(filename, err)}, which is not '
            'among the types an mmengine checkpoint holds; loading it could run code from the '
            f'file. If you trust where it came from, set {TRUST_ENV}=1 (or pass '
            '--trust-checkpoint to the tools) to load it in full.') from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile) as err:
        raise _damaged(filename, err) from None
    return _expand_delta(checkpoint, filename, map_location)


def _damaged(filename, err):
    """The error for a checkpoint torch cannot read: truncated (a copy or save cut short) or
    not a checkpoint at all."""
    size = osp.getsize(filename)
    text = str(err).strip()
    reason = text.splitlines()[0].split('. ')[0] if text else type(err).__name__
    return InputError(f'{filename}: not a readable checkpoint ({size} bytes; truncated or not '
                      f'saved by torch: {reason})')


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as fh:
        for block in iter(lambda: fh.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def compact_checkpoint(checkpoint, base=None, base_file=None, half=True):
    """A checkpoint to publish: ``state_dict`` (floating tensors in float16 with ``half``) and
    the ``dataset_meta`` of ``meta``; no optimiser or logs. With ``base`` (the state dict the
    model was fine-tuned from) and ``base_file`` (the published base), only the tensors that
    differ from ``base`` are kept and ``meta['delta_of']`` names the base file and its SHA-256."""
    state = checkpoint.get('state_dict', checkpoint)
    meta = {k: v for k, v in checkpoint.get('meta', {}).items() if k == 'dataset_meta'}
    if base is not None:
        if base_file is None:
            raise InputError('a delta checkpoint needs base_file, the published base')
        base = base.get('state_dict', base)

        def published(t):
            return t.half() if half and t.is_floating_point() else t

        # compared as published: a tensor that rounds to the base's values is the base's
        state = {k: v for k, v in state.items()
                 if k not in base or v.shape != base[k].shape
                 or v.dtype.is_floating_point != base[k].dtype.is_floating_point
                 or not torch.equal(published(v), published(base[k]).to(published(v).dtype))}
        meta['delta_of'] = dict(file=osp.basename(base_file), sha256=file_sha256(base_file))
    state = {k: v.half() if half and v.is_floating_point() else v.clone()
             for k, v in state.items()}
    return dict(state_dict=state, meta=meta)


def _expand_delta(checkpoint, filename, map_location):
    """The full checkpoint of a delta (see ``compact_checkpoint``); others as they are."""
    delta = checkpoint.get('meta', {}).get('delta_of') if isinstance(checkpoint, dict) else None
    if delta is None:
        return checkpoint
    base_file = osp.join(osp.dirname(osp.abspath(filename)), delta['file'])
    if not osp.isfile(base_file):
        raise FileNotFoundError(f'{filename}: a delta of {delta["file"]}, which is not beside it '
                                f'({base_file})')
    if file_sha256(base_file) != delta['sha256']:
        raise InputError(f'{filename}: a delta of {base_file}, whose SHA-256 is not the one it '
                         f'was made from ({delta["sha256"]})')
    base = load_checkpoint_file(base_file, map_location)
    state = dict(base.get('state_dict', base))
    state.update(checkpoint['state_dict'])
    meta = {k: v for k, v in checkpoint['meta'].items() if k != 'delta_of'}
    return dict(state_dict=state, meta=meta)


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


def checkpoint_state(checkpoint):
    """The tensors of a checkpoint (``state_dict``, or the file's dict itself) without the
    ``module.`` prefix of wrapped models, as mmengine strips it."""
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else {}
    return {re.sub(r'^module\.', '', k): v for k, v in state.items()}


def check_checkpoint_fits(model, checkpoint, filename):
    """Refuse (InputError) a checkpoint whose weights are not exactly the model's: names the
    file and the first missing, unexpected and reshaped tensors. mmengine loads non-strictly by
    default, so a checkpoint of another model would otherwise leave random weights silently."""
    state = checkpoint_state(checkpoint)
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    reshaped = [f'{k} ({tuple(state[k].shape)} in the file, {tuple(own[k].shape)} in the model)'
                for k in own if k in state and hasattr(state[k], 'shape')
                and tuple(state[k].shape) != tuple(own[k].shape)]
    problems = [f'{len(keys)} {what}, e.g. {", ".join(keys[:3])}' for keys, what in (
        (missing, 'model tensors missing from it'), (unexpected, 'tensors the model lacks'),
        (reshaped, 'of another shape')) if keys]
    if problems:
        raise InputError(f'{filename} does not fit the model: ' + '; '.join(problems)
                         + ' (a checkpoint of another config?)')


def register_safe_loader():
    """Make mmengine's local-file checkpoint scheme (prefix '') use ``load_checkpoint_file``."""
    CheckpointLoader.register_scheme(prefixes='', loader=load_checkpoint_file, force=True)
