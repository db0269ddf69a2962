import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

import anomseg  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
                 if '_base_' not in p)


def test_there_are_configs():
    assert len(CONFIGS) >= 2


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_loads_and_model_builds(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmseg'
    # the run settings are the config's own, whoever runs it (tools, Runner.from_cfg, mim)
    assert cfg.custom_imports.imports == ['anomseg', 'anomseg.runtime']
    hooks = [h['type'] for h in cfg.custom_hooks]
    assert hooks == ['CheckpointFitHook', 'RandomStateHook', 'TrimHeapHook']
    fine_tuning = bool(cfg.load_from and cfg.get('train_cfg'))   # training from a base's weights
    assert cfg.custom_hooks[0].get('fine_tuning', False) == fine_tuning
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint is not None:
        assert checkpoint.backend_args == dict(backend='atomic_local')
    model = MODELS.build(cfg.model)
    classes = cfg.model.decode_head.num_classes
    assert model.decode_head.num_classes == classes


def _steps(node):
    """Every transform of every pipeline under ``node`` (TTA's nested alternatives too)."""
    if isinstance(node, dict):
        if 'type' in node:
            yield node
        for value in node.values():
            yield from _steps(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _steps(item)


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_loads_files_with_checked_loaders(path):
    """The config itself names the checked loaders (so Runner.from_cfg, mim and the tools
    check the same files), each label loader with the model's classes."""
    cfg = Config.fromfile(path)
    pipelines = [cfg.get(k) for k in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                                      'train_pipeline', 'test_pipeline', 'tta_pipeline')]
    steps = [s for s in _steps(pipelines) if 'Load' in str(s['type'])]
    kinds = {s['type'] for s in steps}
    assert {'LoadImageFromFileChecked', 'LoadAnnotationsChecked'} <= kinds
    assert not kinds & {'LoadImageFromFile', 'LoadAnnotations'}
    classes = {s.get('num_classes') for s in steps if s['type'] == 'LoadAnnotationsChecked'}
    assert classes == {cfg.model.decode_head.num_classes}


# mmseg's convention: {algo}_{backbone}[_{decoder}]_{N}xb{B}-{schedule}_{data}-{H}x{W}; models
# used as released (no schedule of ours) say `released` and give their test scale.
NAME = re.compile(r'^(?P<algo>[a-z0-9-]+)_(?P<backbone>[a-z0-9-]+)(?:_(?P<decoder>[a-z0-9-]+))?_'
                  r'(?:(?P<gpus>\d+)xb(?P<batch>\d+)-(?P<iters>\d+k?)|released)_'
                  r'(?P<data>[a-z0-9-]+)-(?P<h>\d+)x(?P<w>\d+)$')
# one spelling per backbone (a `-...-pre` suffix names the weights it starts from)
BACKBONES = {'mnv2': 'MobileNetV2', 'erfnet': 'ERFNet', 'espnetv2-s2': 'ESPNetV2',
             'efficientvit-b0': 'EfficientViT',
             'r50': 'ResNet', 'r101-d8': 'ResNetV1c', 'swin-b': 'SwinTransformer',
             'swin-l': 'SwinTransformer'}


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, REPO))
def test_config_name_follows_mmseg_convention(path):
    name = osp.splitext(osp.basename(path))[0]
    m = NAME.match(name)
    assert m, f'{name}: not {{algo}}_{{backbone}}_{{N}}xb{{B}}-{{schedule}}_{{data}}-{{H}}x{{W}}'
    folder = osp.basename(osp.dirname(path))
    assert m['algo'].startswith(folder.replace('_', '-')), f'{name} is not in its method folder'
    cfg = Config.fromfile(path)
    h, w = int(m['h']), int(m['w'])
    if m['iters'] is None:  # released weights: the test scale, mmseg's (W, H) in the pipeline
        resize = next(s for s in cfg.test_pipeline if s['type'] == 'Resize')
        assert tuple(resize['scale']) == (w, h)
    else:
        assert tuple(cfg.crop_size) == (h, w)
        assert int(m['batch']) == cfg.train_dataloader.batch_size
        iters = cfg.train_cfg.max_iters
        expect = f'{round(iters / 1000)}k' if iters >= 1000 else str(iters)
        assert m['iters'] == expect
    released = m['iters'] is None and m['algo'] in ('erfnet', 'espnetv2', 'efficientvit')
    if not released:  # there the second field is the release's variant
        spelled = m['backbone']
        backbone = next((b for b in BACKBONES if spelled == b or (
            spelled.startswith(b + '-') and spelled.endswith('-pre'))), None)
        assert backbone, f'{name}: backbone spelled {spelled!r}'
        assert cfg.model.backbone.type == BACKBONES[backbone]


def _training_batch(num_classes, n=2, size=64):
    """Two images with random known-class labels, a void border and a pasted outlier (254)."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    g = torch.Generator().manual_seed(0)
    samples = []
    for i in range(n):
        label = torch.randint(0, num_classes, (1, size, size), generator=g)
        label[:, :3] = 255
        label[:, 20:36, 8 + i:28 + i] = 254
        s = SegDataSample(gt_sem_seg=PixelData(data=label))
        s.set_metainfo(dict(img_shape=(size, size), pad_shape=(size, size),
                            ori_shape=(size, size), padding_size=[0, 0, 0, 0]))
        samples.append(s)
    return torch.randn(n, 3, size, size, generator=g), samples


def _is_large(path):
    """Full-size models (R50/R101, Swin-B/L): tens of seconds for a step on 2 cores."""
    return any(k in osp.basename(path) for k in ('cityscapes', 'msd-'))


@pytest.mark.parametrize('path', [
    pytest.param(p, marks=pytest.mark.slow) if _is_large(p) else p for p in CONFIGS],
    ids=lambda p: osp.relpath(p, REPO))
def test_config_model_runs_forward_and_backward(path):
    """Every config trains a step on CPU with the installed mmcv (mmcv-lite by default)."""
    cfg = Config.fromfile(path)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    inputs, samples = _training_batch(cfg.model.decode_head.num_classes)
    losses = model.loss(inputs, samples)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert grads and all(g is not None for g in grads[-2:])
    assert any(g.abs().sum() > 0 for g in grads if g is not None)
    model.eval()
    with torch.no_grad():
        out = model.predict(inputs[:1], samples[:1])
    assert out[0].pred_sem_seg.data.shape[-2:] == (64, 64)
