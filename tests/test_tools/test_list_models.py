"""tools/list_models.py: the index's models, filtered and sorted as asked (checked against the
metafiles read here)."""
import glob
import os.path as osp
import runpy

import yaml

from tests.conftest import REPO

MAIN = runpy.run_path(osp.join(REPO, 'tools', 'list_models.py'))['main']


def metafile_models():
    return [m for p in sorted(glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yaml')))
            for m in yaml.safe_load(open(p))['Models']]


def anomaly(model, dataset, metric):
    return next(r['Metrics'][metric] for r in model['Results'] if r['Dataset'] == dataset)


def test_sorted_by_a_benchmarks_metric(capsys):
    driving = [m for m in metafile_models() if not m['Alias'].endswith('_emidec')]
    for metric, reverse in (('AP', True), ('FPR95', False)):
        listed = MAIN(['--task', 'driving', '--benchmark', 'RoadAnomaly', '--sort', metric])
        want = sorted(driving, key=lambda m: anomaly(m, 'RoadAnomaly', metric), reverse=reverse)
        assert [m.name for m in listed] == [m['Alias'] for m in want]
    table = capsys.readouterr().out
    assert '| erfnet-rpl_cityscapes | ERFNet + RPL, style-aligned |' in table


def test_a_known_class_never_predicted_is_named(capsys):
    import json
    MAIN(['--task', 'medical'])
    table = capsys.readouterr().out
    results = json.load(open(osp.join(REPO, 'checkpoints', 'emidec', 'results.json')))
    for model in metafile_models():
        key = model['Alias'].rsplit('_', 1)[0]
        if not model['Alias'].endswith('_emidec'):
            continue
        zero = sorted(k.split('.', 1)[1] for k, v in results[key]['seeds']['0']['test'].items()
                      if k.startswith('heart/Dice.') and v == 0)
        row = next(r for r in table.splitlines() if r.startswith(f'| {model["Alias"]} |'))
        assert ('never predicts' in row) == bool(zero)
        assert all(c in row for c in zero)


def test_names_of_a_task(capsys):
    MAIN(['--task', 'medical', '--names'])
    names = capsys.readouterr().out.split()
    assert sorted(names) == sorted(m['Alias'] for m in metafile_models()
                                   if m['Alias'].endswith('_emidec'))
