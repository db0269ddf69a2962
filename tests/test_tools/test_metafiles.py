"""The per-method metafiles (tools/model_zoo/metafiles.py): current, in mmseg's format, and each
entry checked here against its sources read another way (the weights' own SHA-256, the zoo's
models.json, results.json's seed-0 run with the headline scorer found by brute force)."""
import glob
import hashlib
import json
import os.path as osp

import pytest
import yaml

from tests.conftest import REPO

METAFILES = sorted(glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yaml')))
ENTRIES = [(path, m) for path in METAFILES for m in yaml.safe_load(open(path))['Models']]


def _metafiles_main(argv):
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'metafiles', osp.join(REPO, 'tools', 'model_zoo', 'metafiles.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main(argv)


def test_every_method_folder_has_a_metafile_and_they_are_current():
    folders = {osp.basename(p) for p in glob.glob(osp.join(REPO, 'configs', '*'))
               if osp.isdir(p) and osp.basename(p) != '_base_'}
    assert {osp.basename(osp.dirname(p)) for p in METAFILES} == folders
    assert _metafiles_main([]) == 0


def test_every_published_file_is_one_model_with_unique_names():
    published = set()
    for sums in glob.glob(osp.join(REPO, 'checkpoints', '*', 'SHA256SUMS')):
        zoo = osp.basename(osp.dirname(sums))
        published |= {f'checkpoints/{zoo}/{line.split()[1]}' for line in open(sums)}
    weights = [m['Weights'] for _, m in ENTRIES]
    assert sorted(weights) == sorted(published)
    for field in ('Name', 'Alias'):
        values = [m[field] for _, m in ENTRIES]
        assert len(values) == len(set(values)), field


@pytest.mark.parametrize('path,model', ENTRIES, ids=[m['Alias'] for _, m in ENTRIES])
def test_metafile_entry_matches_its_sources(path, model):
    doc = yaml.safe_load(open(path))
    assert model['In Collection'] in [c['Name'] for c in doc['Collections']]
    assert model['Config'] == f'configs/{osp.basename(osp.dirname(path))}/{model["Name"]}.py'
    assert osp.isfile(osp.join(REPO, model['Config']))
    with open(osp.join(REPO, model['Weights']), 'rb') as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == model['SHA256']
    key, zoo = model['Alias'].rsplit('_', 1)
    spec = json.load(open(osp.join(REPO, 'checkpoints', zoo, 'models.json')))['models'][key]
    assert (spec['config'], spec['licence'], spec['title']) == (
        model['Config'], model['License'], model['Metadata']['Title'])
    assert model['Metadata'].get('Base') == (f'{spec["base"]}_{zoo}' if 'base' in spec else None)
    run = json.load(open(osp.join(REPO, 'checkpoints', zoo, 'results.json')))[key]['seeds']['0']
    scorer = model['Metadata']['Scorer']
    results = {r['Dataset']: r['Metrics'] for r in model['Results']}
    if run['benchmarks']:
        sets = run['benchmarks']
        mean_ap = {s: sum(sets[b]['scorers'][s]['AP'] for b in sets) / len(sets)
                   for s in sets[next(iter(sets))]['scorers']}
        assert mean_ap[scorer] == max(mean_ap.values())
        for name, b in sets.items():
            for metric in ('AP', 'AUROC', 'FPR95'):
                assert results[name][metric] == pytest.approx(
                    100 * b['scorers'][scorer][metric], abs=0.005)
        assert list(results.values())[0]['mIoU'] == run['mIoU']
    else:
        heart_ap = {k.split('/')[1]: v for k, v in run['test'].items()
                    if k.startswith('heart/') and k.endswith('/AP') and k.count('/') == 2}
        assert heart_ap[scorer] == max(heart_ap.values())
        anomaly = [r['Metrics'] for r in model['Results'] if r['Task'] == 'Anomaly Segmentation']
        assert anomaly[0]['AP'] == pytest.approx(100 * heart_ap[scorer], abs=0.005)
        closed = [r['Metrics'] for r in model['Results'] if r['Task'] != 'Anomaly Segmentation']
        dice = {k[len('heart/'):]: v for k, v in run['test'].items()
                if k.startswith('heart/Dice.')}
        assert dice and all(closed[0][k] == pytest.approx(100 * v, abs=0.005)
                            for k, v in dice.items())
