"""The published model zoos (checkpoints/camvid, checkpoints/cityscapes; docs/model_zoo.md): the
files match their SHA-256 sums and load strictly into their configs' models; the slow test
re-evaluates each kept checkpoint on SMIYC AnomalyTrack validation and compares with the
published table."""
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS

from anomseg.utils import file_sha256
from tests.conftest import REPO, require_shared

ZOOS = ('camvid', 'cityscapes')


def zoo_models(zoo):
    return json.load(open(osp.join(REPO, 'checkpoints', zoo, 'models.json')))['models']


ENTRIES = [(zoo, key) for zoo in ZOOS for key in sorted(zoo_models(zoo))]
# one scorer per model for the regression check: the method's own
MAIN_SCORER = {'dlv3p': 'msp', 'm2f': 'rba', 'rba': 'rba', 'rba-plain': 'rba', 'rpl': 'energy',
               'rpl-plain': 'energy', 'erfnet': 'max_logit', 'espnetv2': 'max_logit'}
# fp16 weights against the fp32 checkpoint the table was measured with (percentage points)
TOLERANCE = dict(AP=0.5, FPR95=0.5, AUROC=0.5)


def build(zoo, key):
    cfg = Config.fromfile(osp.join(REPO, zoo_models(zoo)[key]['config']))
    if 'init_cfg' in cfg.model.backbone:
        cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model)


def published_file(zoo, key):
    released = zoo_models(zoo)[key].get('checkpoint')
    return osp.join(REPO, released) if released else osp.join(REPO, 'checkpoints', zoo,
                                                              f'{key}.pth')


@pytest.mark.parametrize('zoo', ZOOS)
def test_sums_match_and_every_model_has_a_file(zoo):
    root = osp.join(REPO, 'checkpoints', zoo)
    lines = open(osp.join(root, 'SHA256SUMS')).read().split('\n')
    sums = dict(reversed(line.split('  ')) for line in lines if line)
    assert set(sums) == {osp.basename(published_file(zoo, key)) for key in zoo_models(zoo)}
    for name, digest in sums.items():
        assert file_sha256(osp.join(root, name)) == digest, name


@pytest.mark.parametrize('zoo,key', ENTRIES, ids=[f'{z}-{k}' for z, k in ENTRIES])
def test_checkpoint_loads_strictly_into_its_config(zoo, key):
    model = build(zoo, key)
    path = published_file(zoo, key)
    load_checkpoint(model, path, map_location='cpu', strict=True, logger='silent')
    stored = torch.load(path, map_location='cpu', weights_only=True)
    base = zoo_models(zoo)[key].get('base')
    assert ('delta_of' in stored['meta']) == bool(base)
    state = model.state_dict()
    for name, value in stored['state_dict'].items():  # what the file holds is what was loaded
        assert torch.equal(state[name], value.to(state[name].dtype)), name
    if base:  # a delta holds only what fine-tuning changed; the rest is the base's
        base_state = torch.load(published_file(zoo, base), map_location='cpu',
                                weights_only=True)['state_dict']
        kept = set(base_state) - set(stored['state_dict'])
        assert kept and all(torch.equal(state[n], base_state[n].to(state[n].dtype))
                            for n in kept)


@pytest.mark.slow
@pytest.mark.parametrize('zoo,key', ENTRIES, ids=[f'{z}-{k}' for z, k in ENTRIES])
def test_published_checkpoint_reproduces_the_table_on_anomaly_track(zoo, key, tmp_path):
    root = require_shared('data', 'dataset_AnomalyTrack')
    results = json.load(open(osp.join(REPO, 'checkpoints', zoo, 'results.json')))
    published = results[key]['seeds']['0']['benchmarks']['AnomalyTrack']['scorers']
    scorer = MAIN_SCORER.get(key, 'energy')
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', zoo_models(zoo)[key]['config'],
         published_file(zoo, key), '--benchmark', 'AnomalyTrack', '--benchmark-root', root,
         '--scorer', scorer, '--work-dir', str(tmp_path), '--no-report'],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    measured = json.load(open(tmp_path / 'metrics.json'))
    for metric, tol in TOLERANCE.items():
        assert 100 * measured[f'{scorer}/{metric}'] == pytest.approx(
            100 * published[scorer][metric], abs=tol), metric
