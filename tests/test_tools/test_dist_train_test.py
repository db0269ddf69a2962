"""tools/dist_train.sh and tools/dist_test.sh with 2 CPU processes (gloo, no CUDA)."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest
import torch

from tests.conftest import REPO
from tests.test_tools.test_train_test import FAST, synthroad_options

M2F_CFG = 'configs/mask2former/mask2former-lite_mnv2_1xb4-600_synthroad-256x256.py'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run(*cmd):
    # One thread per process in every run: torch's float sums depend on the thread count, and
    # the 1-process test must see the very same score maps as the 2-process one.
    env = {**os.environ, 'PYTHON': sys.executable, 'PORT': str(free_port()),
           'OMP_NUM_THREADS': '1', 'PYTHONUNBUFFERED': '1'}
    proc = subprocess.run(list(cmd), cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.skipif(torch.cuda.is_available(), reason='tests the CPU (gloo) path')
def test_two_process_train_resume_and_test_equal_one_process(tiny_synthroad, tmp_path):
    work = str(tmp_path / 'work')
    opts = FAST + synthroad_options(tiny_synthroad)
    log = run('bash', 'tools/dist_train.sh', M2F_CFG, '2', '--work-dir', work,
              '--cfg-options', *opts)
    assert 'Distributed training: True' in log and osp.isfile(osp.join(work, 'iter_2.pth'))
    log = run('bash', 'tools/dist_train.sh', M2F_CFG, '2', '--work-dir', work, '--resume',
              '--cfg-options', *opts, 'train_cfg.max_iters=3')
    assert 'resumed epoch: 0, iter: 2' in log and osp.isfile(osp.join(work, 'iter_3.pth'))
    ckpt = torch.load(osp.join(work, 'iter_3.pth'), map_location='cpu', weights_only=False)
    assert ckpt['meta']['iter'] == 3

    # 3 test frames on 2 processes: the sampler pads one process with a repeat, which the
    # metric must not count.
    assert len(os.listdir(osp.join(tiny_synthroad, 'anomaly', 'images'))) == 3
    run('bash', 'tools/dist_test.sh', M2F_CFG, osp.join(work, 'iter_3.pth'), '2', '--work-dir',
        osp.join(work, 'two'), '--cfg-options', *opts)
    run(sys.executable, 'tools/test.py', M2F_CFG, osp.join(work, 'iter_3.pth'), '--work-dir',
        osp.join(work, 'one'), '--cfg-options', *opts)
    two = json.load(open(osp.join(work, 'two', 'metrics.json')))
    one = json.load(open(osp.join(work, 'one', 'metrics.json')))
    assert two == one and {'rba/AP', 'maxquery/AUROC'} <= set(one)
