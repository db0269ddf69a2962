"""2-iteration train + test through the real command-line tools, for each CPU config family."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO, require_shared

SYNTHROAD_CFG = 'configs/deeplabv3plus/deeplabv3plus_mnv2_1k_synthroad-256x256.py'
CAMVID_CFG = 'configs/deeplabv3plus/deeplabv3plus_mnv2_2k_camvid-240x320.py'
FAST = ['model.backbone.init_cfg=None', 'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
        'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False', 'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False', 'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False']


def run_tool(*args):
    proc = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, 'PYTHONUNBUFFERED': '1'})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout + proc.stderr


def synthroad_options(root):
    return [f'train_dataloader.dataset.data_root={root}',
            f'val_dataloader.dataset.data_root={root}',
            f'test_dataloader.dataset.data_root={osp.join(root, "anomaly")}']


@pytest.mark.slow
def test_synthroad_train_resume_test(tiny_synthroad, tmp_path):
    work = str(tmp_path / 'work')
    opts = FAST + synthroad_options(tiny_synthroad)
    log = run_tool('tools/train.py', SYNTHROAD_CFG, '--work-dir', work, '--cfg-options', *opts)
    assert 'mIoU' in log and osp.isfile(osp.join(work, 'iter_2.pth'))
    # resume continues from iteration 2 through the safe checkpoint loader (no trust needed)
    log = run_tool('tools/train.py', SYNTHROAD_CFG, '--work-dir', work, '--resume',
                   '--cfg-options', *opts, 'train_cfg.max_iters=3')
    assert 'resumed epoch: 0, iter: 2' in log and osp.isfile(osp.join(work, 'iter_3.pth'))

    show, out = str(tmp_path / 'show'), str(tmp_path / 'out')
    log = run_tool('tools/test.py', SYNTHROAD_CFG, osp.join(work, 'iter_3.pth'), '--work-dir',
                   work, '--show-dir', show, '--out', out, '--scorer', 'msp,energy',
                   '--cfg-options', *opts)
    metrics = json.load(open(osp.join(work, 'metrics.json')))
    assert set(metrics) == {f'{s}/{m}' for s in ('msp', 'energy')
                            for m in ('AP', 'AUROC', 'FPR95', 'FPR95_interp')}
    assert all(0 <= v <= 1 for v in metrics.values())
    assert sorted(os.listdir(show)) == [f'anomaly_{i:04d}.png' for i in range(3)]
    scores = np.load(osp.join(out, 'energy', 'anomaly_0000.npy'))
    assert scores.shape == (64, 128) and scores.dtype == np.float32
    report = sorted(os.listdir(osp.join(work, 'report')))
    assert report == sorted(f'SMIYC_{s}_{kind}' for s in ('msp', 'energy')
                            for kind in ('curves.png', 'hist.png', 'frames.csv'))

    log = run_tool('tools/test.py', SYNTHROAD_CFG, osp.join(work, 'iter_3.pth'), '--work-dir',
                   work, '--tta', '--cfg-options', *opts)
    assert 'msp' in log and json.load(open(osp.join(work, 'metrics.json')))['msp/AP'] >= 0


@pytest.mark.slow
def test_camvid_train_test_on_a_few_real_frames(tmp_path):
    require_shared('data', 'CamVid')
    work = str(tmp_path / 'work')
    opts = FAST + ['train_dataloader.dataset.indices=4', 'val_dataloader.dataset.indices=2',
                   'test_dataloader.dataset.indices=2']
    log = run_tool('tools/train.py', CAMVID_CFG, '--work-dir', work, '--cfg-options', *opts)
    assert 'mIoU' in log
    run_tool('tools/test.py', CAMVID_CFG, osp.join(work, 'iter_2.pth'), '--work-dir', work,
             '--cfg-options', *opts)
    assert 'mIoU' in json.load(open(osp.join(work, 'metrics.json')))


@pytest.mark.slow
def test_mask2former_lite_train_test_compares_rba_and_msp(tiny_synthroad, tmp_path):
    cfg = 'configs/mask2former/mask2former_mnv2-lite_600_synthroad-256x256.py'
    work = str(tmp_path / 'work')
    opts = FAST + synthroad_options(tiny_synthroad)
    run_tool('tools/train.py', cfg, '--work-dir', work, '--cfg-options', *opts)
    log = run_tool('tools/test.py', cfg, osp.join(work, 'iter_2.pth'), '--work-dir', work,
                   '--scorer', 'rba,msp,maxquery', '--show-dir', str(tmp_path / 'show'),
                   '--cfg-options', *opts)
    metrics = json.load(open(osp.join(work, 'metrics.json')))
    assert {k.split('/')[0] for k in metrics} == {'rba', 'msp', 'maxquery'}
    assert 'rba' in log and len(os.listdir(tmp_path / 'show')) == 3


@pytest.mark.slow
def test_same_seed_trains_bitwise_identical_and_tests_identically(tiny_synthroad, tmp_path):
    """Two CPU trainings with the config's seed end with equal weights and optimiser state,
    bit for bit; tools/test.py gives the same metrics twice and with two loader workers."""
    import torch
    opts = FAST + synthroad_options(tiny_synthroad)
    states = []
    for run in ('a', 'b'):
        run_tool('tools/train.py', SYNTHROAD_CFG, '--work-dir', str(tmp_path / run),
                 '--cfg-options', *opts)
        states.append(torch.load(tmp_path / run / 'iter_2.pth', weights_only=False))
    a, b = states
    assert a['state_dict'].keys() == b['state_dict'].keys()
    assert all(torch.equal(a['state_dict'][k], b['state_dict'][k]) for k in a['state_dict'])
    moments = [[t for s in ckpt['optimizer']['state'].values() for t in s.values()
                if torch.is_tensor(t)] for ckpt in states]
    assert moments[0] and all(torch.equal(x, y) for x, y in zip(*moments))
    metrics = []
    for run, workers in (('t1', 0), ('t2', 0), ('t3', 2)):
        run_tool('tools/test.py', SYNTHROAD_CFG, str(tmp_path / 'a' / 'iter_2.pth'),
                 '--work-dir', str(tmp_path / run), '--cfg-options', *opts,
                 f'test_dataloader.num_workers={workers}')
        with open(tmp_path / run / 'metrics.json') as fh:
            metrics.append(json.load(fh))
    assert metrics[0] == metrics[1] == metrics[2]
