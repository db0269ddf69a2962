import glob
import os.path as osp

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
    assert hooks == ['CheckpointFitHook', 'RandomStateHook']
    fine_tuning = bool(cfg.load_from and cfg.get('train_cfg'))   # training from a base's weights
    assert cfg.custom_hooks[0].get('fine_tuning', False) == fine_tuning
    checkpoint = cfg.get('default_hooks', {}).get('checkpoint')
    if checkpoint is not None:
        assert checkpoint.backend_args == dict(backend='atomic_local')
    name = osp.basename(path)
    parts = osp.splitext(name)[0].split('_')
    assert len(parts) >= 4 and '-' in parts[-1], \
        f'{name}: not {{method}}_{{backbone}}_{{schedule}}_{{dataset}}-{{crop}}'
    model = MODELS.build(cfg.model)
    classes = cfg.model.decode_head.num_classes
    assert model.decode_head.num_classes == classes


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
