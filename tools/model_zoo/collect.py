"""Collect the CamVid model zoo's measurements (``tools/model_zoo/camvid.sh``) into one JSON file
and the markdown tables of docs/model_zoo.md.

    python tools/model_zoo/collect.py [--zoo-dir work_dirs/zoo] \
        [--json checkpoints/camvid/results.json] [--markdown OUT.md]

Per model and seed: CamVid val mIoU of the checkpoint picked on CamVid val (the best one where the
schedule keeps it, else the last), the training's wall time, and each anomaly set's metrics for
every scorer. The tables give mean ± sample standard deviation (n - 1) over the seeds found.
"""
import argparse
import glob
import json
import os.path as osp
import re
import statistics
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from zoo_models import BENCHMARKS, MODELS, picked_checkpoint, run_name  # noqa: E402

from anomseg.utils import write_bytes_atomic, write_json_atomic  # noqa: E402

COLUMNS = (('AP', 'AP'), ('AUROC', 'AUROC'), ('FPR95', 'FPR95'), ('sIoU_gt', 'sIoU'),
           ('PPV', 'PPV'), ('mean_F1', 'mean F1'))
INSTANCE_COLUMNS = (('AP_inst', 'AP inst'),)
SCORER_ORDER = ('rba', 'msp', 'max_logit', 'entropy', 'energy', 'mask2anomaly', 'eam', 'maxquery')
VAL_RE = re.compile(r'Iter\(val\).*?mIoU: ([0-9.]+)')
WALL_RE = re.compile(r'^wall ([0-9.]+) s$', re.M)


def read_run(run_dir):
    """One model-seed folder: dict(mIoU, train_wall_s, benchmarks={set: {scorer: metrics}})."""
    log = open(osp.join(run_dir, 'train.log')).read()
    vals = [float(v) for v in VAL_RE.findall(log)]
    if not vals:
        raise ValueError(f'{run_dir}/train.log: no CamVid val mIoU logged')
    best = osp.basename(picked_checkpoint(run_dir)).startswith('best_mIoU')
    wall = WALL_RE.findall(log)
    run = dict(mIoU=max(vals) if best else vals[-1],
               train_wall_s=float(wall[-1]) if wall else None, benchmarks={})
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
    return run


def collect(zoo_dir):
    results = {}
    for key, model in MODELS.items():
        runs = {}
        for run_dir in sorted(glob.glob(osp.join(zoo_dir, run_name(key), 'seed*'))):
            if osp.isfile(osp.join(run_dir, 'trained')):
                runs[osp.basename(run_dir)[4:]] = read_run(run_dir)
        if runs:
            results[key] = dict(config=model['config'], seeds=runs)
    return results


def mean_std(values, scale=100.0):
    values = [scale * v for v in values]
    if len(values) == 1:
        return f'{values[0]:.1f}'
    return f'{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}'


def markdown(results):
    out = []
    for bench in BENCHMARKS:
        found = [r['benchmarks'][bench]['scorers'] for e in results.values()
                 for r in e['seeds'].values() if bench in r['benchmarks']]
        columns = COLUMNS + tuple(c for c in INSTANCE_COLUMNS
                                  if any(c[0] in m for s in found for m in s.values()))
        out += [f'### {bench}', '',
                '| model | seeds | scorer | CamVid mIoU | ' +
                ' | '.join(title for _, title in columns) + ' |',
                '|---|---|---|---|' + '---|' * len(columns)]
        for key, entry in results.items():
            runs = [r for r in entry['seeds'].values() if bench in r['benchmarks']]
            if not runs:
                continue
            scorers = {s for r in runs for s in r['benchmarks'][bench]['scorers']}
            for scorer in sorted(scorers, key=SCORER_ORDER.index):
                # later seeds may be tested with fewer scorers: each row says how many it has
                scored = [r for r in runs if scorer in r['benchmarks'][bench]['scorers']]
                miou = mean_std([r['mIoU'] for r in scored], scale=1.0)
                cells = [mean_std([r['benchmarks'][bench]['scorers'][scorer][m] for r in scored])
                         for m, _ in columns]
                out.append(f'| {MODELS[key]["title"]} | {len(scored)} | {scorer} | {miou} | ' +
                           ' | '.join(cells) + ' |')
        out.append('')
    out += ['### Wall times on this machine (2 CPU cores)', '',
            '| model | training, min (seeds) | ' +
            ' | '.join(f'test on {b}, s (seed 0, all scorers)' for b in BENCHMARKS) + ' |',
            '|---|---|' + '---|' * len(BENCHMARKS)]
    for key, entry in results.items():
        walls = [r['train_wall_s'] / 60 for r in entry['seeds'].values() if r['train_wall_s']]
        train = (f'{statistics.mean(walls):.1f} ({len(walls)})' if walls else 'n/a')
        first = entry['seeds'].get('0', {}).get('benchmarks', {})
        tests = [f'{first[b]["wall_s"]:.0f}' if b in first and first[b]['wall_s'] else 'n/a'
                 for b in BENCHMARKS]
        out.append(f'| {MODELS[key]["title"]} | {train} | ' + ' | '.join(tests) + ' |')
    out.append('')
    return '\n'.join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--zoo-dir', default='work_dirs/zoo')
    parser.add_argument('--json', default='checkpoints/camvid/results.json')
    parser.add_argument('--markdown', help='also write the tables to this file')
    args = parser.parse_args(argv)
    results = collect(args.zoo_dir)
    if not results:
        sys.exit(f'collect.py: error: no finished run under {args.zoo_dir}')
    write_json_atomic(args.json, results)
    tables = markdown(results)
    if args.markdown:
        write_bytes_atomic(args.markdown, tables.encode())
    print(tables)


if __name__ == '__main__':
    main()
