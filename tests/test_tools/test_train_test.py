"""2-iteration train + test through the real command-line tools, for each CPU config family."""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch

from tests.conftest import REPO, require_shared

SYNTHROAD_CFG = 'configs/deeplabv3plus/deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py'
CAMVID_CFG = 'configs/deeplabv3plus/deeplabv3plus_mnv2_1xb4-2k_camvid-240x320.py'
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
    assert report == sorted([f'SMIYC_{s}_frames.csv' for s in ('msp', 'energy')] +
                            ['report.html', 'report.json', 'report_files'])
    assert sorted(os.listdir(osp.join(work, 'report', 'report_files'))) == \
        ['frames', 'hist.png', 'pr.png', 'roc.png']

    log = run_tool('tools/test.py', SYNTHROAD_CFG, osp.join(work, 'iter_3.pth'), '--work-dir',
                   work, '--tta', '--cfg-options', *opts)
    assert 'msp' in log and json.load(open(osp.join(work, 'metrics.json')))['msp/AP'] >= 0

    # another model's checkpoint, and this model's without one head tensor: refused, one line
    state = torch.load(osp.join(work, 'iter_3.pth'), weights_only=False)
    del state['state_dict']['decode_head.conv_seg.bias']
    torch.save(state, tmp_path / 'no_head_bias.pth')
    for ckpt, message in ((osp.join(REPO, 'checkpoints', 'cityscapes', 'erfnet.pth'),
                           'model tensors missing from it'),
                          (str(tmp_path / 'no_head_bias.pth'),
                           '1 model tensors missing from it, e.g. decode_head.conv_seg.bias')):
        proc = subprocess.run([sys.executable, 'tools/test.py', SYNTHROAD_CFG, ckpt,
                               '--work-dir', work, '--cfg-options', *opts], cwd=REPO,
                              capture_output=True, text=True)
        lines = proc.stderr.strip().splitlines()
        assert proc.returncode == 2, proc.stderr[-3000:]
        assert f'{ckpt} does not fit the model: ' in lines[-1] and message in lines[-1]


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
    cfg = 'configs/mask2former/mask2former-lite_mnv2_1xb4-600_synthroad-256x256.py'
    work = str(tmp_path / 'work')
    opts = FAST + synthroad_options(tiny_synthroad)
    run_tool('tools/train.py', cfg, '--work-dir', work, '--cfg-options', *opts)
    log = run_tool('tools/test.py', cfg, osp.join(work, 'iter_2.pth'), '--work-dir', work,
                   '--scorer', 'rba,msp,maxquery', '--show-dir', str(tmp_path / 'show'),
                   '--cfg-options', *opts)
    metrics = json.load(open(osp.join(work, 'metrics.json')))
    assert {k.split('/')[0] for k in metrics} == {'rba', 'msp', 'maxquery'}
    assert 'rba' in log and len(os.listdir(tmp_path / 'show')) == 3


def trained_state(path):
    """(weights, optimiser moments) of a checkpoint."""
    import torch
    ckpt = torch.load(path, weights_only=False)
    moments = [t for s in ckpt['optimizer']['state'].values() for t in s.values()
               if torch.is_tensor(t)]
    return ckpt['state_dict'], moments


def same_state(a, b):
    import torch
    (wa, ma), (wb, mb) = a, b
    return (wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa)
            and len(ma) == len(mb) > 0 and all(torch.equal(x, y) for x, y in zip(ma, mb)))


@pytest.mark.slow
def test_same_seed_trains_bitwise_identical_and_tests_identically(tiny_synthroad, tmp_path):
    """Two CPU trainings with the config's seed end with equal weights and optimiser state,
    bit for bit, with the data loaded in the main process and with two loader workers;
    tools/test.py gives the same metrics twice and with two loader workers. All with
    ``randomness.deterministic=True``, with which ``RandomStateHook`` turns oneDNN off."""
    from tests.reliability import record
    opts = FAST + synthroad_options(tiny_synthroad) + ['randomness.deterministic=True']
    states = {}
    for run, workers in (('a', 0), ('b', 0), ('c', 2), ('d', 2)):
        run_tool('tools/train.py', SYNTHROAD_CFG, '--work-dir', str(tmp_path / run),
                 '--cfg-options', *opts, f'train_dataloader.num_workers={workers}')
        states[run] = trained_state(tmp_path / run / 'iter_2.pth')
    assert same_state(states['a'], states['b'])
    assert same_state(states['c'], states['d'])
    record('train.py', 'same config and seed, twice (data loaded in the main process)',
           f'bit-identical weights ({len(states["a"][0])} tensors) and optimiser moments')
    record('train.py', 'same config and seed, twice with 2 loader workers',
           'bit-identical weights and optimiser moments')
    record('train.py', '0 versus 2 loader workers',
           'bit-identical' if same_state(states['a'], states['c']) else
           'differ: each worker draws its augmentations from its own seeded stream '
           '(mmengine seeds worker w with seed + w), so the random crops and flips differ')
    metrics = []
    for run, workers in (('t1', 0), ('t2', 0), ('t3', 2)):
        run_tool('tools/test.py', SYNTHROAD_CFG, str(tmp_path / 'a' / 'iter_2.pth'),
                 '--work-dir', str(tmp_path / run), '--cfg-options', *opts,
                 f'test_dataloader.num_workers={workers}')
        with open(tmp_path / run / 'metrics.json') as fh:
            metrics.append(json.load(fh))
    assert metrics[0] == metrics[1] == metrics[2]
    record('test.py', 'twice, and with 2 loader workers',
           f'identical metrics.json ({len(metrics[0])} values)')


@pytest.mark.slow
def test_train_tool_and_runner_from_cfg_are_the_same_run(tiny_synthroad, tmp_path):
    """The config is the whole truth: ``tools/train.py CONFIG`` and
    ``Runner.from_cfg(Config.fromfile(CONFIG))`` build the same config, pipelines, hooks and
    evaluators, and train to the same weights."""
    import importlib.util
    import time

    from mmengine.config import Config
    from mmengine.runner import Runner
    spec = importlib.util.spec_from_file_location('train_tool', osp.join(REPO, 'tools', 'train.py'))
    train_tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train_tool)
    options = {'model.backbone.init_cfg': None, 'train_cfg.max_iters': 2,
               'train_cfg.val_interval': 2, 'default_hooks.checkpoint.interval': 2,
               'train_dataloader.batch_size': 2, 'randomness.deterministic': True}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options.update({f'{loader}.num_workers': 0, f'{loader}.persistent_workers': False})
    options.update(o.split('=', 1) for o in synthroad_options(tiny_synthroad))
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        tool = train_tool.main([SYNTHROAD_CFG, '--work-dir', str(tmp_path / 'tool'),
                                '--cfg-options', *(f'{k}={v}' for k, v in options.items())])
        time.sleep(1.1)  # another experiment name (a timestamp) for mmengine's logger
        cfg = Config.fromfile(SYNTHROAD_CFG)
        cfg.merge_from_dict(options)
        cfg.work_dir = str(tmp_path / 'runner')
        plain = Runner.from_cfg(cfg)
        plain.train()
    finally:
        os.chdir(cwd)

    def settings(runner):
        d = runner.cfg.to_dict()
        for key in ('work_dir', 'launcher', 'resume'):
            d.pop(key, None)
        return d
    assert settings(tool) == settings(plain)
    hooks = [[(type(h).__name__, h.priority) for h in r.hooks] for r in (tool, plain)]
    assert hooks[0] == hooks[1]
    names = {name for name, _ in hooks[0]}
    assert {'CheckpointFitHook', 'RandomStateHook', 'TrimHeapHook'} <= names
    pipelines = [[repr(t) for t in r.train_dataloader.dataset.pipeline.transforms]
                 for r in (tool, plain)]
    assert pipelines[0] == pipelines[1]
    assert 'LoadImageFromFileChecked' in pipelines[0][0]
    metrics = [[type(m).__name__ for m in r.val_evaluator.metrics] for r in (tool, plain)]
    assert metrics[0] == metrics[1] and metrics[0]
    assert tool.iter == plain.iter == 2
    a, b = tool.model.state_dict(), plain.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_no_prescan_leaves_the_check_to_the_read(assets, tmp_path):
    """A corrupt test image: named before the run by the pre-scan, or, with --no-prescan, when
    the loader reads it; one line either way."""
    import shutil
    data = shutil.copytree(assets['synthroad'], tmp_path / 'data')
    bad = data / 'anomaly' / 'images' / 'anomaly_0001.png'
    bad.write_bytes(b'not an image')
    opts = FAST + synthroad_options(str(data))
    lines = {}
    for flag in ([], ['--no-prescan']):
        proc = subprocess.run([sys.executable, 'tools/test.py', SYNTHROAD_CFG, assets['checkpoint'],
                               '--work-dir', str(tmp_path / 'work'), '--no-report', *flag,
                               '--cfg-options', *opts], cwd=REPO, capture_output=True, text=True)
        assert proc.returncode == 2, proc.stderr[-3000:]
        lines[bool(flag)] = proc.stderr.strip().splitlines()[-1]
    assert lines[False].startswith('test.py: error: test set: ') and str(bad) in lines[False]
    assert 'test set:' not in lines[True] and str(bad) in lines[True]


EFFICIENTVIT_ZOO = [
    ('configs/efficientvit/efficientvit_b0_released_camvid-1024x2048.py', 'efficientvit'),
    ('configs/rpl/rpl_efficientvit-b0-cityscapes-pre_1xb4-300_camvid-pseudo-384x384.py',
     'efficientvit-rpl'),
    ('configs/mask2former/mask2former-lite_efficientvit-b0-cityscapes-pre_1xb4-500_camvid-pseudo-'
     '384x384.py', 'm2f-evit'),
    ('configs/rba/rba_efficientvit-b0_mask2former-lite_1xb4-300_camvid-pseudo-384x384.py',
     'm2f-evit-rba'),
    ('configs/rpl/rpl_efficientvit-b0_mask2former-lite_1xb4-300_camvid-pseudo-384x384.py',
     'm2f-evit-rpl')]


@pytest.mark.slow
@pytest.mark.parametrize('cfg,model', EFFICIENTVIT_ZOO, ids=[m for _, m in EFFICIENTVIT_ZOO])
def test_efficientvit_zoo_reads_the_official_layout_and_the_bundle_alike(cfg, model, tmp_path):
    """`tools/test.py --benchmark` with each EfficientViT-B0 zoo config (per-pixel and mask head,
    frozen and fine-tuned) on 3 AnomalyTrack frames, in SMIYC's layout and as the validation
    bundle (RoadAnomaly21/images/N.jpg, the same files): every metric of every scorer the
    same."""
    import shutil
    src = require_shared('data', 'dataset_AnomalyTrack')
    official, bundle = tmp_path / 'official', tmp_path / 'Validation_Dataset' / 'RoadAnomaly21'
    for d in (official / 'images', official / 'labels_masks', bundle / 'images',
              bundle / 'labels_masks'):
        d.mkdir(parents=True)
    for i, name in enumerate(sorted(os.listdir(osp.join(src, 'images')))[:3]):
        stem = osp.splitext(name)[0]
        label = osp.join(src, 'labels_masks', f'{stem}_labels_semantic.png')
        shutil.copy(osp.join(src, 'images', name), official / 'images' / name)
        shutil.copy(label, official / 'labels_masks' / osp.basename(label))
        shutil.copy(osp.join(src, 'images', name), bundle / 'images' / f'{i}.jpg')
        shutil.copy(label, bundle / 'labels_masks' / f'{i}.png')
    metrics = {}
    for layout, root in (('official', official), ('bundle', bundle)):
        work = str(tmp_path / f'work_{layout}')
        run_tool('tools/test.py', cfg, f'checkpoints/cityscapes/{model}.pth', '--benchmark',
                 'AnomalyTrack', '--benchmark-root', str(root), '--work-dir', work,
                 '--no-report', '--cfg-options', 'test_dataloader.num_workers=0',
                 'test_dataloader.persistent_workers=False')
        metrics[layout] = json.load(open(osp.join(work, 'metrics.json')))
    scorers = {k.split('/')[0] for k in metrics['official'] if k.endswith('/AP')}
    assert {'msp', 'energy'} <= scorers
    for scorer in scorers:
        assert 0.0 < metrics['official'][f'{scorer}/AP'] < 1.0
    assert metrics['official'].keys() == metrics['bundle'].keys()
    for key, value in metrics['official'].items():
        if isinstance(value, float):
            assert value == pytest.approx(metrics['bundle'][key], abs=1e-9), key
