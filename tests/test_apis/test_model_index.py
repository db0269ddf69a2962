"""Model names (anomseg.apis.model_index): the metafiles' aliases, resolved to their config and
SHA-256-checked weights; other checkouts through ANOMSEG_ROOT."""
import glob
import os.path as osp
import shutil

import pytest
import yaml

from anomseg.apis.model_index import get_model, read_index, resolve_model
from anomseg.utils.errors import InputError
from tests.conftest import REPO


def test_the_index_is_every_metafile_model():
    aliases = [m['Alias'] for p in sorted(glob.glob(osp.join(REPO, 'configs', '*',
                                                             'metafile.yaml')))
               for m in yaml.safe_load(open(p))['Models']]
    index = read_index()
    assert list(index) == aliases
    info = index['erfnet-rpl_cityscapes']
    assert info.config == osp.join(REPO, 'configs', 'rpl',
                                   'rpl_erfnet-cityscapes-pre_1xb8-500_camvid-512x512.py')
    assert info.checkpoint == osp.join(REPO, 'checkpoints', 'cityscapes', 'erfnet-rpl.pth')
    assert info.base == 'erfnet_cityscapes' and info.task == 'driving'
    assert index['a-dlv3p_emidec'].task == 'medical'


def test_resolve_model_passes_files_and_resolves_names(tmp_path):
    config = osp.join(REPO, 'configs', 'erfnet',
                      'erfnet_deconv-head_released_cityscapes-512x1024.py')
    assert resolve_model(config, 'any.pth') == (config, 'any.pth')
    assert resolve_model('erfnet_cityscapes') == (
        osp.join(REPO, 'configs', 'erfnet', 'erfnet_deconv-head_released_camvid-512x1024.py'),
        osp.join(REPO, 'checkpoints', 'cityscapes', 'erfnet.pth'))
    with pytest.raises(InputError, match='did you mean erfnet-rpl_cityscapes'):
        get_model('erfnet_rpl_cityscapes')
    with pytest.raises(InputError, match='brings its own weights'):
        resolve_model('erfnet_cityscapes', 'other.pth')


def test_weights_that_are_not_the_metafiles_are_refused(tmp_path, monkeypatch):
    """Another checkout (ANOMSEG_ROOT) whose published file was replaced."""
    root = tmp_path / 'checkout'
    shutil.copytree(osp.join(REPO, 'configs'), root / 'configs')
    (root / 'checkpoints' / 'camvid').mkdir(parents=True)
    (root / 'checkpoints' / 'camvid' / 'dlv3p.pth').write_bytes(b'not the weights')
    monkeypatch.setenv('ANOMSEG_ROOT', str(root))
    with pytest.raises(InputError, match='dlv3p.pth: SHA-256 .* is not model dlv3p_camvid'):
        resolve_model('dlv3p_camvid')
    with pytest.raises(FileNotFoundError, match='the weights of model rpl_camvid are missing'):
        resolve_model('rpl_camvid')
    monkeypatch.setenv('ANOMSEG_ROOT', str(tmp_path / 'none'))
    with pytest.raises(InputError, match='model names need an anomseg checkout'):
        resolve_model('dlv3p_camvid')
