import glob
import os.path as osp

import pytest
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
    assert cfg.custom_imports.imports == ['anomseg']
    name = osp.basename(path)
    parts = osp.splitext(name)[0].split('_')
    assert len(parts) >= 4 and '-' in parts[-1], \
        f'{name}: not {{method}}_{{backbone}}_{{schedule}}_{{dataset}}-{{crop}}'
    model = MODELS.build(cfg.model)
    classes = cfg.model.decode_head.num_classes
    assert model.decode_head.num_classes == classes
