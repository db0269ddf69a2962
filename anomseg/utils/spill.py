"""A temporary folder that arrays are written to in the background and read back later, and
reading ahead in a thread.

Metrics that need every frame twice (the component metrics, at a threshold known only once all
frames are in) keep the frames here instead of in memory. Writing a frame costs about as much as
computing its pixel metrics; a writer thread does it while the next frame is measured (the write
releases the GIL). Writes wait in a queue of at most ``max_pending_mib``, so memory stays
bounded whatever the number of frames. Label maps, mostly one value, go in compressed
(``compress=True``: zlib at its fastest level, a 2 MiB label map of a 2048x1024 frame takes
tens of KiB), so that the folder of a 2,000-frame run stays small.
"""
import collections
import io
import os.path as osp
import zlib
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np


class SpillFolder:
    """``put(name, array)`` returns the path the array will be at (an ``.npy`` file, there once
    ``flush()`` returns); ``close()`` deletes the folder."""

    def __init__(self, prefix='anomseg-frames-', max_pending_mib=16):
        self.root = tempfile.mkdtemp(prefix=prefix)
        self._writer = ThreadPoolExecutor(max_workers=1)
        self._pending = collections.deque()  # (future, bytes)
        self._max_pending = max_pending_mib << 20

    def put(self, name, array, compress=False):
        path = osp.join(self.root, f'{name}.npy' + ('.z' if compress else ''))
        array = np.array(array, copy=True)  # the caller may reuse its buffer
        while self._pending and sum(n for _, n in self._pending) + array.nbytes > \
                self._max_pending:
            self._pending.popleft()[0].result()
        write = _save_compressed if compress else np.save
        self._pending.append((self._writer.submit(write, path, array), array.nbytes))
        return path

    @staticmethod
    def load(path):
        """The array ``put`` wrote at ``path``."""
        if not path.endswith('.z'):
            return np.load(path)
        with open(path, 'rb') as fh:
            return np.load(io.BytesIO(zlib.decompress(fh.read())))

    def flush(self):
        """Wait for the pending writes; raises what one raised (e.g. a full disk)."""
        while self._pending:
            self._pending.popleft()[0].result()

    def close(self):
        try:
            self.flush()
        finally:
            self._writer.shutdown()
            shutil.rmtree(self.root, ignore_errors=True)


def _save_compressed(path, array):
    buf = io.BytesIO()
    np.save(buf, array)
    with open(path, 'wb') as fh:
        fh.write(zlib.compress(buf.getbuffer(), 1))


def read_ahead(items, read):
    """``read(item)`` of each item in order, the next one read by a thread while the caller
    works on the current one (file reads, image decoding and numpy release the GIL). What a
    read raises is raised where its result is taken."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for item in items:
            following = pool.submit(read, item)
            if pending is not None:
                yield pending.result()
            pending = following
        if pending is not None:
            yield pending.result()
