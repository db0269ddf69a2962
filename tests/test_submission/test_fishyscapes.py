import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from anomseg.submission import validate_fishyscapes_output, write_fishyscapes_frame
from tests.conftest import REPO

CFG = osp.join(REPO, 'configs', 'deeplabv3plus', 'deeplabv3plus_mnv2_1k_synthroad-256x256.py')


def test_entry_point_on_local_folders(tmp_path):
    cfg = Config.fromfile(CFG)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), ckpt)
    inp, out = tmp_path / 'input', tmp_path / 'output'
    inp.mkdir()
    rng = np.random.default_rng(0)
    for i, shape in enumerate(((48, 64), (40, 80))):
        cv2.imwrite(str(inp / f'{i:04d}.png'), rng.integers(0, 255, shape + (3,), np.uint8))
    sys.path.insert(0, osp.join(REPO, 'tools', 'submission'))
    from fishyscapes_entry import main
    main(['--config', CFG, '--checkpoint', ckpt, '--input', str(inp), '--output', str(out)])
    for i, shape in enumerate(((48, 64), (40, 80))):
        anomaly = np.load(out / f'{i:04d}_anomaly.npy')
        seg = np.load(out / f'{i:04d}_segmentation.npy')
        assert anomaly.shape == seg.shape == shape
        assert anomaly.dtype == np.float32 and np.issubdtype(seg.dtype, np.integer)
        assert 0 <= anomaly.min() and anomaly.max() <= 1 and seg.max() < 9   # msp of 9 classes


def test_validator_catches_missing_and_misshapen(tmp_path):
    write_fishyscapes_frame(str(tmp_path), '0000', np.zeros((4, 5), np.float32),
                            np.zeros((4, 5), np.int64))
    with pytest.raises(ValueError, match='0001_anomaly.npy: missing'):
        validate_fishyscapes_output('in', str(tmp_path), {'0000': (4, 5), '0001': (4, 5)})
    with pytest.raises(ValueError, match='shape'):
        validate_fishyscapes_output('in', str(tmp_path), {'0000': (5, 4)})
    with pytest.raises(ValueError, match='differ in shape'):
        write_fishyscapes_frame(str(tmp_path), '0002', np.zeros((4, 5)), np.zeros((5, 4)))


def test_container_inputs_are_checked_before_any_frame_runs(tmp_path):
    """Inputs of the Fishyscapes container that are damaged or crafted (a decompression bomb: a
    few kB that decode to 400 MB) are named before the first frame is scored."""
    from anomseg.submission.fishyscapes import fishyscapes_inputs
    from tests.reliability import record
    from tests.test_utils.test_image_files import bomb_png
    cv2.imwrite(str(tmp_path / '0000.png'), np.zeros((8, 8, 3), np.uint8))
    bomb_png(tmp_path / '0001.png', 20000)
    with pytest.raises(ValueError, match='0001.png: not a readable image.*DecompressionBomb'):
        fishyscapes_inputs(str(tmp_path))
    record('Fishyscapes container', 'input PNG of 20000 x 20000 pixels in a few kB',
           'refused from its header before any frame is scored')
