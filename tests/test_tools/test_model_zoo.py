"""The published model zoos (checkpoints/camvid, checkpoints/cityscapes; docs/model_zoo.md;
checkpoints/emidec, docs/medical.md): the files match their SHA-256 sums and load strictly into
their configs' models; the slow tests re-evaluate each kept checkpoint (on SMIYC AnomalyTrack
validation; the EMIDEC ones on their test patients) and compare with the published table."""
import json
import os.path as osp
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS

from anomseg.utils import file_sha256
from tests.conftest import REPO, require_shared

ZOOS = ('camvid', 'cityscapes', 'emidec')


def zoo_models(zoo):
    """The zoo's published models (models.json may list others it only measured)."""
    models = json.load(open(osp.join(REPO, 'checkpoints', zoo, 'models.json')))['models']
    return {k: m for k, m in models.items() if m.get('published', True)}


ENTRIES = [(zoo, key) for zoo in ZOOS for key in sorted(zoo_models(zoo))]
# one scorer per model for the regression check: the method's own
MAIN_SCORER = {'dlv3p': 'msp', 'm2f': 'rba', 'rba': 'rba', 'rba-plain': 'rba', 'rpl': 'energy',
               'rpl-plain': 'energy', 'erfnet': 'max_logit', 'espnetv2': 'max_logit',
               'efficientvit': 'max_logit', 'm2f-evit': 'rba', 'm2f-evit-rba': 'rba',
               'm2f-evit-rba-plain': 'rba', 'm2f-evit-rpl': 'energy', 'efficientvit-rpl': 'energy',
               'a-dlv3p': 'msp', 'b-dlv3p': 'msp'}
# fp16 weights against the fp32 checkpoint the table was measured with (percentage points)
TOLERANCE = dict(AP=0.5, FPR95=0.5, AUROC=0.5)


@pytest.mark.parametrize('zoo', ZOOS)
def test_every_model_names_its_licence_and_notice_covers_its_file(zoo):
    notice = open(osp.join(REPO, 'NOTICE')).read()
    models = json.load(open(osp.join(REPO, 'checkpoints', zoo, 'models.json')))['models']
    for key, model in models.items():
        assert model.get('licence'), f'{zoo}/{key}: no licence'
    assert f'checkpoints/{zoo}/' in notice


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


BENCH_ENTRIES = [(z, k) for z, k in ENTRIES if z != 'emidec']
MEDICAL_ENTRIES = [k for z, k in ENTRIES if z == 'emidec']


@pytest.mark.slow
@pytest.mark.parametrize('key', MEDICAL_ENTRIES)
def test_published_emidec_checkpoint_reproduces_the_table_on_its_test_patients(
        key, tmp_path, server):
    require_shared('data', 'medical', 'emidec')
    results = json.load(open(osp.join(REPO, 'checkpoints', 'emidec', 'results.json')))
    published = results[key]['seeds']['0']['test']
    scorer = MAIN_SCORER.get(key, 'maxquery')
    rc, _, stderr = server.run(
        'tools/test.py', zoo_models('emidec')[key]['config'], published_file('emidec', key),
        '--scorer', scorer, '--work-dir', tmp_path, '--no-report')
    assert rc == 0, stderr[-3000:]
    measured = json.load(open(tmp_path / 'metrics.json'))
    for region in ('heart', 'slice'):
        for metric, tol in TOLERANCE.items():
            name = f'{region}/{scorer}/{metric}'
            assert 100 * measured[name] == pytest.approx(100 * published[name], abs=tol), name
    assert 100 * measured['heart/mDice'] == pytest.approx(100 * published['heart/mDice'],
                                                          abs=0.5)


@pytest.mark.slow
@pytest.mark.parametrize('zoo,key', BENCH_ENTRIES, ids=[f'{z}-{k}' for z, k in BENCH_ENTRIES])
def test_published_checkpoint_reproduces_the_table_on_anomaly_track(zoo, key, tmp_path, server):
    root = require_shared('data', 'dataset_AnomalyTrack')
    results = json.load(open(osp.join(REPO, 'checkpoints', zoo, 'results.json')))
    published = results[key]['seeds']['0']['benchmarks']['AnomalyTrack']['scorers']
    scorer = MAIN_SCORER.get(key, 'energy')
    rc, _, stderr = server.run(
        'tools/test.py', zoo_models(zoo)[key]['config'], published_file(zoo, key),
        '--benchmark', 'AnomalyTrack', '--benchmark-root', root, '--scorer', scorer,
        '--work-dir', tmp_path, '--no-report')
    assert rc == 0, stderr[-3000:]
    measured = json.load(open(tmp_path / 'metrics.json'))
    for metric, tol in TOLERANCE.items():
        assert 100 * measured[f'{scorer}/{metric}'] == pytest.approx(
            100 * published[scorer][metric], abs=tol), metric


@pytest.mark.slow
def test_emidec_checkpoint_on_another_folder_with_data_root(tmp_path, server):
    """Other patients in the same layout: ``--data-root`` evaluates every slice of the folder;
    on a copy of some test patients it gives what a split file naming them gives."""
    import shutil
    from anomseg.datasets.emidec import emidec_slices, read_split
    root = require_shared('data', 'medical', 'emidec')
    key = MEDICAL_ENTRIES[0]
    test = read_split(osp.join(REPO, 'data_prep', 'splits', 'emidec', 'test.txt'))
    # three normal and three pathological patients: patient AUROC is defined
    patients = [p for p in test if '_N' in p][:3] + [p for p in test if '_P' in p][:3]
    split = tmp_path / 'some_test_patients.txt'
    split.write_text('\n'.join(patients) + '\n')
    other = tmp_path / 'other_patients'
    for folder in ('slices', 'slicesannot'):
        (other / folder).mkdir(parents=True)
    for patient, image, label in emidec_slices(root):
        if patient in patients:
            shutil.copy(image, other / 'slices')
            shutil.copy(label, other / 'slicesannot')
    scorer = MAIN_SCORER.get(key, 'maxquery')
    runs = {}
    for name, extra in (('split', ['--cfg-options', f'test_dataloader.dataset.split_file={split}']),
                        ('folder', ['--data-root', str(other)])):
        rc, _, stderr = server.run(
            'tools/test.py', zoo_models('emidec')[key]['config'], published_file('emidec', key),
            '--scorer', scorer, '--no-report', '--work-dir', tmp_path / name, *extra)
        assert rc == 0, stderr[-3000:]
        runs[name] = json.load(open(tmp_path / name / 'metrics.json'))
    assert runs['folder'] == pytest.approx(runs['split'], abs=1e-9)
    # every metric: pixel (heart, slice), Dice, and the patient-level and lesion-wise ones
    for key_part in (f'heart/{scorer}/AP', 'heart/mDice', f'slice/{scorer}/AUROC',
                     f'patient/{scorer}/patient_AUROC', f'patient/{scorer}/lesion_F1'):
        assert key_part in runs['folder'], key_part
    rc, _, stderr = server.run('tools/test.py', zoo_models('emidec')[key]['config'],
                               published_file('emidec', key), '--data-root', tmp_path / 'nope')
    assert rc != 0 and 'nope is not a folder' in stderr
    assert 'Traceback' not in stderr


def zoo_collect():
    sys.path.insert(0, osp.join(REPO, 'tools', 'model_zoo'))
    import collect
    return collect


def fake_run(ap, fpr):
    return dict(mIoU=70.0, train_wall_s=60.0, benchmarks={
        'RoadAnomaly': dict(wall_s=1.0, scorers=dict(rba=dict(AP=ap, FPR95=fpr)))})


def test_collect_keys_runs_by_base_and_fine_tuning_seed():
    collect = zoo_collect()
    names = ['seed0', 'seed12', 'base1-seed0', 'base2-seed3', 'base-seed0', 'seed', 'logs']
    assert [collect.run_key(n) for n in names] == ['0', '12', 'base1-seed0', 'base2-seed3',
                                                   None, None, None]
    assert [collect.key_seeds(k) for k in ('0', '12', 'base1-seed0', 'base2-seed3')] == [
        (0, 0), (0, 12), (1, 0), (2, 3)]


def test_collect_spread_separates_fine_tuning_seeds_from_base_seeds():
    collect = zoo_collect()
    aps = {'0': 0.2, '1': 0.3, '2': 0.4, 'base1-seed0': 0.1, 'base2-seed0': 0.5,
           'base2-seed1': 0.9}
    entry = dict(config='c', seeds={k: fake_run(v, 1 - v) for k, v in aps.items()})
    over_ft, over_base = collect.spread_groups('rba', entry)
    assert over_ft == ['0', '1', '2'] and over_base == ['0', 'base1-seed0', 'base2-seed0']
    assert collect.spread_groups('m2f', entry) == ([], sorted(aps))  # a base: only base seeds
    table = collect.spread_markdown({'rba': entry})
    row = next(line for line in table.splitlines() if line.startswith('| M2F-lite + RbA FT'))
    cells = [c.strip() for c in row.strip('|').split('|')]
    # by hand: FT seeds 20, 30, 40 -> 30.0 ± 10.0; base seeds 20, 10, 50 -> 26.7 ± 20.8 (n - 1);
    # all six runs: mean 40.0, sample std of (20, 30, 40, 10, 50, 90) = 28.3
    assert cells[1:5] == ['rba', '30.0 ± 10.0 (n=3)', '26.7 ± 20.8 (n=3)', '40.0 ± 28.3 (n=6)']
    assert cells[5] == '70.0 ± 10.0 (n=3)'


def test_collect_reads_a_kept_segmentation_from_its_own_base_seed(tmp_path, monkeypatch):
    collect = zoo_collect()
    import zoo_models
    models = {'b': dict(config='c/base.py'),
              'same': dict(config='c/same.py', base='b', segmentation_of_base=True,
                           base_seed='same'),
              'zero': dict(config='c/zero.py', base='b', segmentation_of_base=True)}
    monkeypatch.setattr(zoo_models, 'MODELS', models)
    monkeypatch.setattr(collect, 'MODELS', models)

    def run_dir(name, folder, val_miou=None):
        path = tmp_path / name / folder
        path.mkdir(parents=True)
        (path / 'trained').touch()
        (path / 'last_checkpoint').write_text(str(path / 'iter_1.pth'))
        log = f'Iter(val) [1/1]  mIoU: {val_miou}  mAcc: 1.0\n' if val_miou else ''
        (path / 'train.log').write_text(log + 'wall 1.0 s\n')

    run_dir('base', 'seed0', 60.0)
    run_dir('base', 'seed1', 71.0)
    for name in ('same', 'zero'):
        run_dir(name, 'seed1')
    run_dir('same', 'base0-seed1')  # FROM_BASE=0: the folder names its base
    found = collect.collect(str(tmp_path))
    # seed 1 of a "same" fine-tuning started from base seed 1; of the others, from base seed 0
    assert found['same']['seeds']['1']['mIoU'] == 71.0
    assert found['same']['seeds']['base0-seed1']['mIoU'] == 60.0
    assert found['zero']['seeds']['1']['mIoU'] == 60.0
    assert [found['b']['seeds'][s]['mIoU'] for s in ('0', '1')] == [60.0, 71.0]


def test_collect_patient_table_by_hand():
    collect = zoo_collect()

    def run(auroc, tp, fp):
        return {'patient/rba/patient_AUROC': auroc, 'patient/rba/patient_sensitivity': 0.5,
                'patient/rba/lesion_precision': tp / (tp + fp), 'patient/rba/lesion_recall': 0.5,
                'patient/rba/lesion_F1': 0.25, 'patient/rba/lesion_dice': 0.1,
                'patient/rba/lesion_TP': float(tp), 'patient/rba/lesion_FN': 2.0,
                'patient/rba/lesion_FP': float(fp), 'heart/rba/AP': 0.3}

    lines = collect.patient_markdown('T', {'model': [run(0.7, 1, 3), run(0.8, 3, 1)],
                                           'no patients': [{'heart/rba/AP': 0.3}]})
    rows = [line for line in lines if line.startswith('| model')]
    cells = [c.strip() for c in rows[-1].strip('|').split('|')]
    # AUROC 70, 80 -> 75.0 ± 7.1; precision 25, 75 -> 50.0 ± 35.4; counts per seed
    assert cells[:5] == ['model', '2', 'rba', '75.0 ± 7.1', '50.0 ± 0.0']
    assert cells[5] == '50.0 ± 35.4' and cells[-1] == '1/2/3 + 3/2/1'
    assert not any(line.startswith('| no patients') for line in lines)


def test_collect_merge_keeps_earlier_runs_and_replaces_namesakes():
    collect = zoo_collect()
    earlier = {'rba': dict(config='c', seeds={'0': fake_run(0.2, 0.5), '1': fake_run(0.3, 0.5)})}
    found = {'rba': dict(config='c', seeds={'1': fake_run(0.9, 0.1),
                                            'base1-seed0': fake_run(0.4, 0.4)}),
             'm2f': dict(config='m', seeds={'1': fake_run(0.1, 0.9)})}
    out = collect.merged(earlier, found)
    assert list(out) == ['m2f', 'rba']  # models.json's order
    assert sorted(out['rba']['seeds']) == ['0', '1', 'base1-seed0']
    assert out['rba']['seeds']['1']['benchmarks']['RoadAnomaly']['scorers']['rba']['AP'] == 0.9
    assert earlier['rba']['seeds']['1']['benchmarks']['RoadAnomaly']['scorers']['rba']['AP'] == 0.3
