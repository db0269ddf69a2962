"""Our Cityscapes Mask2Former configs build models with exactly mmseg's parameters, so mmseg's
released checkpoints load unchanged."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS

import anomseg  # noqa: F401
from tests.conftest import REPO

NAMES = ['mask2former_r50_8xb2-90k_cityscapes-512x1024',
         'mask2former_swin-b-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024',
         'mask2former_swin-l-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024']


def build(path):
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None
    cfg.model.pop('pretrained', None)
    return MODELS.build(cfg.model)


@pytest.mark.slow
@pytest.mark.parametrize('name', NAMES)
def test_state_dict_keys_and_shapes_match_mmseg(name, tmp_path):
    mine = build(osp.join(REPO, 'configs', 'mask2former', name + '.py'))
    plain = tmp_path / 'mmseg_config.py'  # mmseg's own config, untouched
    plain.write_text(f"_base_ = ['mmseg::mask2former/{name}.py']\n")
    ref = build(str(plain))
    assert type(mine).__name__ == 'AnomalyEncoderDecoder'
    assert type(mine.decode_head).__name__ == 'AnomalyMask2FormerHead'
    a, b = mine.state_dict(), ref.state_dict()
    assert list(a) == list(b)
    assert all(a[k].shape == b[k].shape for k in a)
    # a checkpoint as mmseg's model zoo ships it, loaded strictly through mmengine
    path = tmp_path / 'mmseg_release.pth'
    torch.save({'state_dict': b, 'meta': {'mmseg_version': '1.2.2'}}, path)
    load_checkpoint(mine, str(path), map_location='cpu', strict=True)
    assert all(torch.equal(v, b[k]) for k, v in mine.state_dict().items())
