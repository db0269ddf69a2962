"""A temporary folder that arrays are written to in the background and read back later.

Metrics that need every frame twice (the component metrics, at a threshold known only once all
frames are in) keep the frames here instead of in memory. Writing a frame costs about as much as
computing its pixel metrics; a writer thread does it while the next frame is measured (the write
releases the GIL). Writes wait in a queue of at most ``max_pending_mib``, so memory stays
bounded whatever the number of frames.
"""
import collections
import os.path as osp
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

    def put(self, name, array):
        path = osp.join(self.root, f'{name}.npy')
        array = np.array(array, copy=True)  # the caller may reuse its buffer
        while self._pending and sum(n for _, n in self._pending) + array.nbytes > \
                self._max_pending:
            self._pending.popleft()[0].result()
        self._pending.append((self._writer.submit(np.save, path, array), array.nbytes))
        return path

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
