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

CFG = osp.join(REPO, 'configs', 'deeplabv3plus', 'deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py')


SERVER_NAMES = ('0000_04_Maurener_Weg_8_000000_000030_rgb.png',
                '0001_13_Elly_Beinhorn_Str_000002_000100_rgb.png')


def test_entry_point_on_the_servers_layout(tmp_path):
    """/input as fishyscapes.com/submission describes it: DDDD_*.png; the outputs are
    DDDD_anomaly.npy and DDDD_segmentation.npy."""
    cfg = Config.fromfile(CFG)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), ckpt)
    inp, out = tmp_path / 'input', tmp_path / 'output'
    inp.mkdir()
    rng = np.random.default_rng(0)
    for name, shape in zip(SERVER_NAMES, ((48, 64), (40, 80))):
        cv2.imwrite(str(inp / name), rng.integers(0, 255, shape + (3,), np.uint8))
    sys.path.insert(0, osp.join(REPO, 'tools', 'submission'))
    from fishyscapes_entry import main
    main(['--config', CFG, '--checkpoint', ckpt, '--input', str(inp), '--output', str(out)])
    assert sorted(p.name for p in out.iterdir()) == [
        '0000_anomaly.npy', '0000_segmentation.npy', '0001_anomaly.npy', '0001_segmentation.npy']
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
    write_fishyscapes_frame(str(tmp_path), '0003', np.zeros((4, 5)), np.full((4, 5), 20))
    with pytest.raises(ValueError, match=r'0003_segmentation.npy: classes outside 0..19'):
        validate_fishyscapes_output('in', str(tmp_path), {'0003': (4, 5)})


def test_inputs_not_named_as_the_server_names_them(tmp_path):
    from anomseg.submission.fishyscapes import fishyscapes_inputs
    cv2.imwrite(str(tmp_path / 'frame.png'), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match='frame.png: a Fishyscapes input is named DDDD_'):
        fishyscapes_inputs(str(tmp_path))
    (tmp_path / 'frame.png').unlink()
    for name in ('0007_a.png', '0007_b.png'):
        cv2.imwrite(str(tmp_path / name), np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match='0007_b.png: the same number 0007'):
        fishyscapes_inputs(str(tmp_path))


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
