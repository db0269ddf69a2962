"""An mmengine file backend for local paths whose writes are atomic (``backend='atomic_local'``).

mmengine's checkpoint hook writes checkpoints and ``last_checkpoint`` in place: a training
killed while saving leaves a truncated ``iter_N.pth`` under its final name. Through this
backend each file is written to a temporary name beside it and renamed when complete, so a
checkpoint on disk is whole or absent."""
from mmengine.fileio import LocalBackend, register_backend

from .io import write_bytes_atomic


class AtomicLocalBackend(LocalBackend):

    def put(self, obj, filepath):
        write_bytes_atomic(str(filepath), obj)

    def put_text(self, obj, filepath, encoding='utf-8'):
        write_bytes_atomic(str(filepath), obj.encode(encoding))


register_backend('atomic_local', AtomicLocalBackend, force=True)
