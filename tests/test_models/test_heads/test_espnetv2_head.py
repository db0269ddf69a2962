"""The released ESPNetv2 (EdgeNets) as anomseg's ESPNetV2 encoder + ESPNetV2Head."""
import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from anomseg.utils import espnetv2_edgenets_to_mmseg
from tests.conftest import REPO, require_shared
from tests.test_models.test_heads.road_frames import road_shares

CONFIG = osp.join(REPO, 'configs', 'espnetv2',
                  'espnetv2_s2-edgenets_released_cityscapes-512x1024.py')


def build(use_void_channel=False):
    cfg = Config.fromfile(CONFIG)
    cfg.model.decode_head.use_void_channel = use_void_channel
    return MODELS.build(cfg.model).eval()


def released():
    path = require_shared('weights', 'espnetv2_s_2.0_city_1024x512.pth')
    return torch.load(path, map_location='cpu', weights_only=True)


def test_every_released_tensor_maps_one_to_one():
    state = released()
    converted, dropped = espnetv2_edgenets_to_mmseg(state)
    assert dropped == [] and len(converted) == len(state) == 526
    model = build()
    assert set(converted) == set(model.state_dict())
    model.load_state_dict(converted, strict=True)
    for key, value in converted.items():
        src = key.split('.', 1)[1]
        assert torch.equal(state[('base_net.' + src) if key.startswith('backbone.') else src],
                           value)


def test_output_size_and_channels():
    x = torch.rand(1, 3, 64, 128)
    with torch.no_grad():
        model20 = build(use_void_channel=True)
        out20 = model20.decode_head(model20.extract_feat(x))
        model19 = build()
        model19.load_state_dict(model20.state_dict())
        out19 = model19.decode_head(model19.extract_feat(x))
    assert out20.shape == (1, 20, 64, 128) and torch.equal(out19, out20[:, :19])


@pytest.mark.slow
def test_released_model_sees_road_on_real_frames():
    converted, _ = espnetv2_edgenets_to_mmseg(released())
    model = build()
    model.load_state_dict(converted)
    shares = road_shares(model)
    assert np.median(shares) > 0.6, shares


@pytest.mark.slow
def test_fishyscapes_static_numbers_of_the_authors_code(tmp_path):
    """EdgeNets' own pipeline gives on the 30 FS Static frames (1024x512 input, 19 classes):
    max-logit 11.5 / 28.7, MSP 8.2 / 32.0, entropy 10.1 / 31.5 (AP / FPR95, %). anomseg's
    default protocol (scores resized to the labels' full size) reproduces them."""
    root = require_shared('data', 'fs_static')
    ckpt = str(tmp_path / 'espnetv2.pth')
    subprocess.run([sys.executable, 'tools/model_converters/espnetv2_2mmseg.py',
                    require_shared('weights', 'espnetv2_s_2.0_city_1024x512.pth'), ckpt],
                   cwd=REPO, check=True, capture_output=True)
    work = str(tmp_path / 'work')
    subprocess.run([sys.executable, 'tools/test.py', CONFIG, ckpt, '--benchmark',
                    'FishyscapesStatic', '--benchmark-root', root, '--work-dir', work,
                    '--no-report', '--scorer', 'msp,max_logit,entropy', '--cfg-options',
                    'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'],
                   cwd=REPO, check=True, capture_output=True)
    metrics = json.load(open(osp.join(work, 'metrics.json')))
    for scorer, (ap, fpr) in dict(max_logit=(11.5, 28.7), msp=(8.2, 32.0),
                                  entropy=(10.1, 31.5)).items():
        assert abs(100 * metrics[f'{scorer}/AP'] - ap) <= 0.2, scorer
        assert abs(100 * metrics[f'{scorer}/FPR95_interp'] - fpr) <= 0.2, scorer
