"""AnomalyMetric across processes: two gloo processes, each counting half of the frames, give
exactly what one process counting all of them gives (exact, SMIYC and component metrics)."""
import os
import socket

import numpy as np
import pytest
import torch.distributed as dist
import torch.multiprocessing as mp

from anomseg.evaluation.metrics import AnomalyMetric


def frames():
    rng = np.random.default_rng(11)
    out = []
    for i in range(5):
        labels = np.zeros((40, 60), np.uint8)
        labels[5 + i:15 + i, 5:25] = 1
        labels[35:, :] = 255
        scores = np.clip(rng.random((40, 60)) * 0.7 + 0.3 * (labels == 1), 0, 1)
        out.append((f'f{i}', labels, scores.astype(np.float16)))
    return out


def evaluate(parts):
    metric = AnomalyMetric(components=(5, 2), smiyc_uniform=True)
    for stem, labels, scores in parts:
        metric.add(stem, labels, {'s': scores})
    return metric.evaluate()


def worker(rank, port, queue):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=2)
    try:
        queue.put((rank, evaluate(frames()[rank::2])))
    except Exception as err:  # report at once instead of leaving the parent waiting
        queue.put((rank, repr(err)))
    finally:
        dist.destroy_process_group()


@pytest.mark.slow
def test_two_processes_equal_one():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    ctx = mp.get_context('spawn')
    queue = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(rank, port, queue)) for rank in range(2)]
    for p in procs:
        p.start()
    results = dict(queue.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    single = evaluate(frames())
    for rank in range(2):
        assert isinstance(results[rank], dict), results[rank]
        assert results[rank].keys() == single.keys()
        for key, value in single.items():
            assert results[rank][key] == pytest.approx(value, abs=1e-12), key
