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


def test_compressed_label_maps_come_back_exact_and_small():
    spill = SpillFolder()
    labels = np.zeros((1024, 2048), np.uint8)
    labels[:200] = 255
    labels[600:700, 900:1300] = 1
    instances = np.where(labels == 1, 1000, 0).astype(np.int32)
    paths = [spill.put('labels', labels, compress=True),
             spill.put('instances', instances, compress=True), spill.put('plain', labels)]
    spill.flush()
    for path, array in zip(paths, (labels, instances, labels)):
        back = SpillFolder.load(path)
        assert back.dtype == array.dtype and np.array_equal(back, array)
    assert osp.getsize(paths[0]) < labels.nbytes / 100 < osp.getsize(paths[2])
    spill.close()


def test_read_ahead_keeps_order_reads_one_ahead_and_raises_where_taken():
    import threading
    import time

    from anomseg.utils.spill import read_ahead
    started = []

    def read(i):
        started.append(i)
        if i == 3:
            raise ValueError('frame 3')
        return i * i, threading.current_thread() is threading.main_thread()

    reader = read_ahead(range(6), read)
    assert next(reader) == (0, False)               # read in the thread, not the caller's
    for _ in range(500):                            # the next one is read unasked
        if started == [0, 1]:
            break
        time.sleep(0.01)
    assert started == [0, 1]
    assert [next(reader)[0] for _ in range(2)] == [1, 4]
    with pytest.raises(ValueError, match='frame 3'):
        next(reader)
    assert list(read_ahead([], read)) == []
