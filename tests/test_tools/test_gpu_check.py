"""tools/benchmark/gpu_check.py runs on a CPU with tiny sizes, so the GPU check does not rot."""
import json
import math
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from tests.conftest import REPO


@pytest.mark.slow
def test_tiny_cpu_run_writes_every_measurement(tmp_path):
    out = str(tmp_path / 'gpu.json')
    subprocess.run([sys.executable, 'tools/benchmark/gpu_check.py', '--device', 'cpu', '--tiny',
                    '--out', out], cwd=REPO, check=True, capture_output=True)
    report = json.load(open(out))
    env = report['environment']
    assert env['device'] == 'cpu' and env['torch'] == torch.__version__ and report['tiny']
    for precision in ('fp32', 'amp'):
        run = report['inference'][precision]
        assert run['frames_per_s'] > 0 and run['peak_mib'] is None
    assert report['inference']['shape'] == [64, 128]
    scorers = report['inference']['scorers']
    assert {'rba', 'maxquery', 'msp', 'energy'} <= set(scorers)

    train = report['training']
    assert train['crop'] == [64, 128] and train['iters'] == 3 and train['timed_iters'] == 1
    cfg = Config.fromfile(osp.join(REPO, train['config']))
    assert train['batch'] == cfg.train_dataloader.batch_size
    # Only the class and mask embeddings train in RbA fine-tuning: count them from the config.
    c = cfg.model.decode_head.feat_channels
    classes = cfg.model.decode_head.num_classes
    assert train['trainable'] == (c * (classes + 1) + classes + 1) + 3 * (c * c + c)
    assert train['median_s_per_iter'] > 0 and math.isfinite(train['last_loss'])

    agreement = report['agreement']['per_scorer']
    assert set(agreement) == set(scorers)
    assert all(v['max_abs_diff'] == 0.0 for v in agreement.values())  # CPU against itself
