import os
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

# Before any test module imports mmcv.ops, mmdet or mmseg.utils: on mmcv-lite, importing anomseg
# provides the ``mmcv._ext`` they need (as a user's script imports anomseg first).
import anomseg  # noqa: E402,F401


def shared_path(*parts):
    root = os.environ.get('ANOMSEG_SHARED') or osp.join(REPO, '..', 'shared')
    return osp.abspath(osp.join(root, *parts))


def require_shared(*parts):
    """Path under ANOMSEG_SHARED, or skip the test saying what is missing."""
    path = shared_path(*parts)
    if not osp.exists(path):
        pytest.skip(f'{path} is absent: set ANOMSEG_SHARED to the shared data folder')
    return path


@pytest.fixture(scope='session', autouse=True)
def mmseg_default_scope():
    """Build with mmseg as the default scope, as configs (default_scope='mmseg') do."""
    from mmseg.utils import register_all_modules
    register_all_modules(init_default_scope=True)


@pytest.fixture(scope='session')
def tiny_synthroad(tmp_path_factory):
    """A tiny SynthRoad (64x128, a handful of frames per split), rendered once per session."""
    from data_prep.synthroad import generate
    root = tmp_path_factory.mktemp('synthroad') / 'data'
    generate(str(root), seed=3, height=64, width=128, num_train=6, num_val=2, num_anomaly=3,
             num_sequence=3, workers=1, progress=False)
    return str(root)


@pytest.fixture(scope='session')
def mmseg_pretrain(tmp_path_factory):
    """The shared ImageNet MobileNetV2, converted to mmseg names (skips without ANOMSEG_SHARED)."""
    import subprocess
    src = require_shared('weights', 'mobilenet_v2-b0353104.pth')
    dst = str(tmp_path_factory.mktemp('pretrain') / 'mnv2_mmseg.pth')
    subprocess.run([sys.executable, osp.join(REPO, 'tools', 'model_converters',
                                             'mobilenetv2_torchvision2mmseg.py'), src, dst],
                   check=True, cwd=REPO)
    return dst


@pytest.fixture(scope='session')
def server():
    """Runs entry points as processes without their import time (``tests.forkserver``)."""
    from tests.forkserver import ForkServer
    srv = ForkServer(REPO)
    yield srv
    srv.close()


@pytest.fixture(scope='session')
def assets(tiny_synthroad, tmp_path_factory):
    """The tiny SynthRoad and a randomly initialised checkpoint of its DeepLabV3+ config."""
    import torch
    from mmengine.config import Config
    from mmseg.registry import MODELS
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'deeplabv3plus',
                                   'deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py'))
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp('ckpt') / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), path)
    return dict(synthroad=tiny_synthroad, checkpoint=path)
