"""Collect a model zoo's measurements (``tools/model_zoo/zoo.sh ZOO``) into one JSON file and the
markdown tables of docs/model_zoo.md.

    ANOMSEG_ZOO=camvid python tools/model_zoo/collect.py [--zoo-dir work_dirs/zoo] \
        [--json checkpoints/camvid/results.json] [--markdown OUT.md]

Per model and seed: CamVid val mIoU (of the checkpoint picked on CamVid val, from the training
log; or from ``tools/test.py`` where the zoo says ``miou_by_test``; a model that keeps its base's
segmentation, as RPL does, reports its base's), the training's wall time and where it ran (a
``device`` file in the run folder; this machine's CPU otherwise), and each anomaly set's metrics
for every scorer. A zoo without anomaly sets (emidec) is tested on its configs' test sets: its
tables give the anomaly metrics over the heart and over the whole slice, the lesion components
and the Dice of every inlier class (``tools/test.py``'s ``test/metrics.json``). The tables give
mean ± sample standard deviation (n - 1) over the runs found.

Runs: ``seedS`` folders (a base model's seed S, or a fine-tuning of seed S from the base seed
that ``zoo_models.base_seed`` names: 0, or S where the zoo says ``"base_seed": "same"``) and
``baseB-seedS`` folders (``zoo.sh`` with ``FROM_BASE=B``: a fine-tuning of seed S from base seed
B), kept in the JSON under the keys ``S`` and ``baseB-seedS``. ``--merge`` adds the runs found to
the JSON's (work folders of earlier sessions need not exist). Where fine-tunings from several
base seeds exist, a spread table sets the standard deviation over fine-tuning seeds (base seed
0) beside the one over base seeds (fine-tuning seed 0).
"""
import argparse
import glob
import json
import os.path as osp
import re
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from zoo_models import (BENCHMARKS, MIOU_BY_TEST, MODELS, ZOO, base_seed,  # noqa: E402
                        picked_checkpoint, run_name)

from anomseg.datasets.emidec import EMIDEC_CLASSES  # noqa: E402
from anomseg.utils import write_bytes_atomic, write_json_atomic  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402

COLUMNS = (('AP', 'AP'), ('AUROC', 'AUROC'), ('FPR95', 'FPR95'), ('sIoU_gt', 'sIoU'),
           ('PPV', 'PPV'), ('mean_F1', 'mean F1'))
INSTANCE_COLUMNS = (('AP_inst', 'AP inst'),)
SCORER_ORDER = ('rba', 'msp', 'max_logit', 'entropy', 'energy', 'mask2anomaly', 'eam', 'maxquery')
VAL_RE = re.compile(r'Iter\(val\).*?mIoU: ([0-9.]+)')
TEST_RE = re.compile(r'Iter\(test\).*?mIoU: ([0-9.]+)')
WALL_RE = re.compile(r'^wall ([0-9.]+) s$', re.M)


def read_miou(run_dir):
    """CamVid mIoU of a run: the closed-set test's (``miou_by_test``) or the training log's."""
    if MIOU_BY_TEST:
        log = osp.join(run_dir, 'test.log')
        found = TEST_RE.findall(open(log).read()) if osp.isfile(log) else []
        if not found:
            raise InputError(f'{log}: no closed-set mIoU; run tools/model_zoo/zoo.sh {ZOO}')
        return float(found[-1])
    log = open(osp.join(run_dir, 'train.log')).read()
    vals = [float(v) for v in VAL_RE.findall(log)]
    if not vals:
        raise InputError(f'{run_dir}/train.log: no CamVid val mIoU logged')
    best = osp.basename(picked_checkpoint(run_dir)).startswith('best_mIoU')
    return max(vals) if best else vals[-1]


def read_run(run_dir, miou=None):
    """One model-seed folder: dict(mIoU, train_wall_s, device, benchmarks={set: {scorer:
    metrics}}); ``miou`` given for a model that keeps its base's segmentation."""
    train_log = osp.join(run_dir, 'train.log')
    wall = WALL_RE.findall(open(train_log).read()) if osp.isfile(train_log) else []
    device = osp.join(run_dir, 'device')
    run = dict(mIoU=read_miou(run_dir) if miou is None else miou,
               train_wall_s=float(wall[-1]) if wall else None,
               device=open(device).read().strip() if osp.isfile(device) else None,
               benchmarks={})
    for name in BENCHMARKS:
        path = osp.join(run_dir, f'bench_{name}', 'metrics.json')
        if not osp.isfile(path):
            continue
        scorers = {}
        for key, value in json.load(open(path)).items():
            scorer, metric = key.split('/', 1)
            scorers.setdefault(scorer, {})[metric] = value
        bench_log = osp.join(run_dir, f'bench_{name}.log')
        bench_wall = WALL_RE.findall(open(bench_log).read()) if osp.isfile(bench_log) else []
        run['benchmarks'][name] = dict(scorers=scorers,
                                       wall_s=float(bench_wall[-1]) if bench_wall else None)
    test = osp.join(run_dir, 'test', 'metrics.json')
    if not BENCHMARKS and osp.isfile(test):
        run['test'] = json.load(open(test))
        test_wall = WALL_RE.findall(open(osp.join(run_dir, 'test.log')).read())
        run['test_wall_s'] = float(test_wall[-1]) if test_wall else None
    return run


RUN_RE = re.compile(r'^(?:base(\d+)-)?seed(\d+)$')


def run_key(folder):
    """The JSON key of a run folder's name (``seedS`` -> ``S``, ``baseB-seedS`` as it is);
    None for other folders."""
    match = RUN_RE.match(folder)
    if not match:
        return None
    return folder if match.group(1) else match.group(2)


def key_seeds(key):
    """(base seed, seed) of a JSON run key."""
    match = RUN_RE.match(key if key.startswith('base') else f'seed{key}')
    return int(match.group(1) or 0), int(match.group(2))


def collect(zoo_dir):
    results = {}
    for key, model in MODELS.items():
        runs = {}
        for run_dir in sorted(glob.glob(osp.join(zoo_dir, run_name(key), '*seed*'))):
            name = run_key(osp.basename(run_dir))
            # a stand-in folder (a published base checkpoint to fine-tune from) has no training
            trained_here = osp.isfile(osp.join(run_dir, 'train.log')) or model.get('checkpoint')
            if not name or not osp.isfile(osp.join(run_dir, 'trained')) or not trained_here:
                continue
            miou = None
            if model.get('segmentation_of_base'):
                base, seed = key_seeds(name)
                if not name.startswith('base'):  # a seedS folder: the zoo's rule names its base
                    base = base_seed(key, seed)
                miou = read_miou(osp.join(zoo_dir, run_name(model['base']), f'seed{base}'))
            runs[name] = read_run(run_dir, miou)
        if runs:
            results[key] = dict(config=model['config'], seeds=runs)
    return results


def merged(earlier, found):
    """``earlier`` results with the runs ``found`` added (a run found replaces its namesake)."""
    out = {key: dict(entry, seeds=dict(entry['seeds'])) for key, entry in earlier.items()}
    for key, entry in found.items():
        out.setdefault(key, dict(config=entry['config'], seeds={}))['seeds'].update(
            entry['seeds'])
    return {key: out[key] for key in MODELS if key in out}


def spread_groups(key, entry):
    """The runs of one model split by source of variance: (over fine-tuning seeds: the runs from
    base seed 0, over base seeds: the runs of fine-tuning seed 0); a base model's runs are all
    over base seeds. Keys of the entry's ``seeds``."""
    runs = entry['seeds']
    if not MODELS[key].get('base'):
        return [], sorted(runs)
    over_ft = sorted(k for k in runs if key_seeds(k)[0] == 0)
    over_base = sorted(k for k in runs if key_seeds(k)[1] == 0)
    return over_ft, over_base


def spread_markdown(results):
    """Per anomaly set, for every model and scorer measured on every run: AP and FPR95 as mean
    ± standard deviation over the fine-tuning seeds (base seed 0), over the base seeds
    (fine-tuning seed 0) and over all runs."""
    groups = {key: spread_groups(key, entry) for key, entry in results.items()}
    if not any(len(ft) > 1 or len(base) > 1 for ft, base in groups.values()):
        return ''
    out = []
    for bench in BENCHMARKS:
        out += [f'### Spread on {bench}: fine-tuning seeds and base seeds', '',
                '| model | scorer | AP, over FT seeds (base 0) | AP, over base seeds (FT 0) | '
                'AP, all runs | FPR95, over FT seeds | FPR95, over base seeds | FPR95, all runs |',
                '|---|---|---|---|---|---|---|---|']
        for key, entry in results.items():
            over_ft, over_base = groups[key]
            if len(over_base) < 2 and len(over_ft) < 2:
                continue
            runs = {k: r['benchmarks'][bench]['scorers'] for k, r in entry['seeds'].items()
                    if bench in r['benchmarks']}
            if not runs:
                continue
            everyone = set.intersection(*(set(v) for v in runs.values()))
            for scorer in sorted(everyone, key=SCORER_ORDER.index):
                cells = []
                for metric in ('AP', 'FPR95'):
                    for keys in (over_ft, over_base, sorted(runs)):
                        values = [runs[k][scorer][metric] for k in keys if k in runs]
                        cells.append(f'{mean_std(values)} (n={len(values)})' if len(values) > 1
                                     else '-')
                out.append(f'| {MODELS[key]["title"]} | {scorer} | ' + ' | '.join(cells) + ' |')
        out.append('')
    return '\n'.join(out)


def mean_std(values, scale=100.0, digits=1):
    values = [scale * v for v in values]
    if len(values) == 1:
        return f'{values[0]:.{digits}f}'
    return f'{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}'


MEDICAL_COLUMNS = (('heart', 'AUROC', 'heart AUROC'), ('heart', 'AP', 'heart AP'),
                   ('heart', 'FPR95', 'heart FPR95'), ('slice', 'AUROC', 'slice AUROC'),
                   ('slice', 'AP', 'slice AP'), ('slice', 'FPR95', 'slice FPR95'),
                   ('heart', 'sIoU_gt', 'sIoU'), ('heart', 'PPV', 'PPV'),
                   ('heart', 'mean_F1', 'mean F1'))


PATIENT_COLUMNS = (('patient_AUROC', 'patient AUROC'),
                   ('patient_sensitivity', 'sensitivity at 90% specificity'),
                   ('lesion_precision', 'lesion precision'), ('lesion_recall', 'lesion recall'),
                   ('lesion_F1', 'lesion F1'), ('lesion_dice', 'lesion-wise Dice'))


def patient_markdown(title, entries):
    """The patient-level and lesion-wise table of runs whose tests have ``patient/`` metrics
    ({model title: [test metrics of each seed]})."""
    out = [f'### {title}', '', '| model | seeds | scorer | '
           + ' | '.join(t for _, t in PATIENT_COLUMNS) + ' | lesions TP / FN / FP |',
           '|---|---|---|' + '---|' * (len(PATIENT_COLUMNS) + 1)]
    for name, runs in entries.items():
        runs = [r for r in runs if any(k.startswith('patient/') for k in r)]
        scorers = {k.split('/')[1] for r in runs for k in r if k.startswith('patient/')}
        for scorer in sorted(scorers, key=SCORER_ORDER.index):
            cells = [mean_std([r[f'patient/{scorer}/{m}'] for r in runs]) for m, _ in
                     PATIENT_COLUMNS]
            counts = ' + '.join('/'.join(str(int(r[f'patient/{scorer}/lesion_{c}']))
                                         for c in ('TP', 'FN', 'FP')) for r in runs)
            out.append(f'| {name} | {len(runs)} | {scorer} | ' + ' | '.join(cells)
                       + f' | {counts} |')
    return out + ['']


def medical_markdown(results):
    """Tables of a zoo tested on its configs' test sets (per setting, as the model keys'
    prefixes ``a-`` / ``b-`` group them)."""
    out = []
    for setting in sorted({key.split('-')[0] for key in results}):
        entries = {k: e for k, e in results.items() if k.split('-')[0] == setting}
        out += [f'### Setting {setting.upper()}: anomaly scores', '',
                '| model | seeds | scorer | ' + ' | '.join(t for _, _, t in MEDICAL_COLUMNS)
                + ' |', '|---|---|---|' + '---|' * len(MEDICAL_COLUMNS)]
        for key, entry in entries.items():
            runs = [r['test'] for r in entry['seeds'].values() if 'test' in r]
            scorers = {k.split('/')[1] for r in runs for k in r if k.count('/') == 2}
            for scorer in sorted(scorers, key=SCORER_ORDER.index):
                # AP of rare lesions is a few percent: two decimals
                cells = [mean_std([r[f'{region}/{scorer}/{m}'] for r in runs],
                                  digits=2 if m == 'AP' else 1)
                         for region, m, _ in MEDICAL_COLUMNS]
                out.append(f'| {MODELS[key]["title"]} | {len(runs)} | {scorer} | '
                           + ' | '.join(cells) + ' |')
        classes = sorted((k.split('.', 1)[1] for k in next(
            r['test'] for e in entries.values() for r in e['seeds'].values() if 'test' in r)
            if k.startswith('heart/Dice.')), key=lambda c: EMIDEC_CLASSES.index(c)
            if c in EMIDEC_CLASSES else len(EMIDEC_CLASSES))
        out += ['', f'### Setting {setting.upper()}: segmentation (Dice per inlier class, %)', '',
                '| model | seeds | ' + ' | '.join(classes) + ' | mean |',
                '|---|---|' + '---|' * (len(classes) + 1)]
        for key, entry in entries.items():
            runs = [r['test'] for r in entry['seeds'].values() if 'test' in r]
            cells = [mean_std([r[f'heart/Dice.{c}'] for r in runs]) for c in classes]
            cells.append(mean_std([r['heart/mDice'] for r in runs]))
            out.append(f'| {MODELS[key]["title"]} | {len(runs)} | ' + ' | '.join(cells) + ' |')
        out.append('')
        patients = {MODELS[key]['title']: [r['test'] for r in entry['seeds'].values()
                                           if 'test' in r] for key, entry in entries.items()}
        if any(k.startswith('patient/') for runs in patients.values() for r in runs for k in r):
            out += patient_markdown(f'Setting {setting.upper()}: patients and lesions (%)',
                                    patients)
    out += ['### Wall times', '', '| model | training, min (seeds, where) | test, s (seed 0) |',
            '|---|---|---|']
    for key, entry in results.items():
        walls = [r['train_wall_s'] / 60 for r in entry['seeds'].values() if r['train_wall_s']]
        devices = {r.get('device') or '2 CPU cores' for r in entry['seeds'].values()}
        test = entry['seeds'].get('0', {}).get('test_wall_s')
        out.append(f'| {MODELS[key]["title"]} | {statistics.mean(walls):.1f} ({len(walls)}, '
                   f'{", ".join(sorted(devices))}) | {test:.0f} |' if walls and test else
                   f'| {MODELS[key]["title"]} | n/a | n/a |')
    out.append('')
    return '\n'.join(out)


def markdown(results):
    if not BENCHMARKS:
        return medical_markdown(results)
    out = []
    for bench in BENCHMARKS:
        found = [r['benchmarks'][bench]['scorers'] for e in results.values()
                 for r in e['seeds'].values() if bench in r['benchmarks']]
        columns = COLUMNS + tuple(c for c in INSTANCE_COLUMNS
                                  if any(c[0] in m for s in found for m in s.values()))
        out += [f'### {bench}', '',
                '| model | runs | scorer | CamVid mIoU | ' +
                ' | '.join(title for _, title in columns) + ' |',
                '|---|---|---|---|' + '---|' * len(columns)]
        for key, entry in results.items():
            runs = [r for r in entry['seeds'].values() if bench in r['benchmarks']]
            if not runs:
                continue
            scorers = {s for r in runs for s in r['benchmarks'][bench]['scorers']}
            for scorer in sorted(scorers, key=SCORER_ORDER.index):
                # later runs may be tested with fewer scorers: each row says how many it has
                scored = [r for r in runs if scorer in r['benchmarks'][bench]['scorers']]
                miou = mean_std([r['mIoU'] for r in scored], scale=1.0)
                cells = [mean_std([r['benchmarks'][bench]['scorers'][scorer][m] for r in scored])
                         for m, _ in columns]
                out.append(f'| {MODELS[key]["title"]} | {len(scored)} | {scorer} | {miou} | ' +
                           ' | '.join(cells) + ' |')
        out.append('')
    out += ['### Wall times (tests on this machine, 2 CPU cores)', '',
            '| model | training, min (runs) | ' +
            ' | '.join(f'test on {b}, s (seed 0, all scorers)' for b in BENCHMARKS) + ' |',
            '|---|---|' + '---|' * len(BENCHMARKS)]
    for key, entry in results.items():
        walls = [r['train_wall_s'] / 60 for r in entry['seeds'].values() if r['train_wall_s']]
        devices = {r.get('device') or '2 CPU cores' for r in entry['seeds'].values()
                   if r['train_wall_s']}
        train = (f'{statistics.mean(walls):.1f} ({len(walls)}, {", ".join(sorted(devices))})'
                 if walls else 'n/a')
        first = entry['seeds'].get('0', {}).get('benchmarks', {})
        tests = [f'{first[b]["wall_s"]:.0f}' if b in first and first[b]['wall_s'] else 'n/a'
                 for b in BENCHMARKS]
        out.append(f'| {MODELS[key]["title"]} | {train} | ' + ' | '.join(tests) + ' |')
    out.append('')
    out.append(spread_markdown(results))
    return '\n'.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--zoo-dir',
                        default='work_dirs/zoo' if ZOO == 'camvid' else f'work_dirs/zoo_{ZOO}')
    parser.add_argument('--json', default=f'checkpoints/{ZOO}/results.json')
    parser.add_argument('--markdown', help='also write the tables to this file')
    parser.add_argument('--merge', action='store_true',
                        help='add the runs found to those already in --json')
    args = parser.parse_args(argv)
    results = collect(args.zoo_dir)
    if not results:
        sys.exit(f'collect.py: error: no finished run under {args.zoo_dir}')
    if args.merge:
        if not osp.isfile(args.json):
            sys.exit(f'collect.py: error: --merge: {args.json} does not exist')
        results = merged(json.load(open(args.json)), results)
    write_json_atomic(args.json, results)
    tables = markdown(results)
    if args.markdown:
        write_bytes_atomic(args.markdown, tables.encode())
    print(tables)


if __name__ == '__main__':
    main()
