import os.path as osp

import numpy as np
import pytest

from anomseg.utils.spill import SpillFolder


def test_arrays_come_back_as_put_even_if_the_caller_reuses_its_buffer():
    spill = SpillFolder(max_pending_mib=1)
    buffer = np.zeros((300, 400), np.float32)
    paths = []
    for i in range(5):  # 480 KB each: the writer queue holds two at most
        buffer[:] = i
        paths.append(spill.put(f'frame{i}', buffer))
    buffer[:] = -1
    spill.flush()
    for i, path in enumerate(paths):
        assert np.array_equal(np.load(path), np.full((300, 400), i, np.float32))
    root = spill.root
    spill.close()
    assert not osp.exists(root)


def test_a_failed_write_is_raised_not_lost():
    spill = SpillFolder()
    spill.put('a', np.zeros(3))
    spill.flush()
    root, spill.root = spill.root, osp.join(spill.root, 'missing')  # a folder that is not there
    spill.put('b', np.zeros(3))
    with pytest.raises(FileNotFoundError):
        spill.flush()
    spill.root = root
    spill.close()
    assert not osp.exists(root)
