"""An mmengine file backend for local paths whose writes are atomic (``backend='atomic_local'``).

mmengine's checkpoint hook writes checkpoints and ``last_checkpoint`` in place: a training
killed while saving leaves a truncated ``iter_N.pth`` under its final name. Through this
backend each file is written to a temporary name beside it and renamed when complete, so a
checkpoint on disk is whole or absent. ``register_atomic_backend`` adds it to mmengine's
backends under its own name (``anomseg.runtime`` calls it; importing anomseg does not)."""
from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio.backends.registry_utils import backends

from .io import write_bytes_atomic

NAME = 'atomic_local'


class AtomicLocalBackend(LocalBackend):

    def put(self, obj, filepath):
        write_bytes_atomic(str(filepath), obj)

    def put_text(self, obj, filepath, encoding='utf-8'):
        write_bytes_atomic(str(filepath), obj.encode(encoding))


def register_atomic_backend():
    """Register ``atomic_local`` (once; a backend of that name already there stays)."""
    if NAME not in backends:
        register_backend(NAME, AtomicLocalBackend)
