"""The published models, by name, with the results of their weights (the metafiles' index).

    python tools/list_models.py [--task driving|medical] [--benchmark RoadAnomaly] \
        [--sort AP|AUROC|FPR95|mIoU] [--names]

Each row: the name every tool and ``AnomalyInferencer`` take in place of CONFIG CHECKPOINT, what
it is, its headline scorer and, per anomaly set, AP / FPR95 in %. Rows are sorted by ``--sort``
on ``--benchmark`` (default: AP on the first set shown; FPR95 ascending, the others descending).
``--names`` prints the names alone, one a line.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.apis.model_index import read_index  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402

CLOSED_SET = ('mIoU', 'mDice')


def anomaly_sets(models):
    """The anomaly sets the models were measured on, in first-seen order."""
    sets = []
    for m in models:
        for dataset, metrics in m.results.items():
            if 'AP' in metrics and dataset not in sets:
                sets.append(dataset)
    return sets


def closed_set(model):
    return next((v for d, ms in model.results.items() for k, v in ms.items() if k == 'mIoU'),
                None)


def table(models, sets):
    head = ['name', 'model', 'scorer', 'mIoU'] + [f'{s} AP / FPR95' for s in sets]
    rows = [head, ['---'] * len(head)]
    for m in models:
        miou = closed_set(m)
        missed = [k.split('.', 1)[1] for ms in m.results.values() for k, v in ms.items()
                  if k.startswith('Dice.') and v == 0]
        title = m.title + (f' (never predicts {", ".join(missed)}: Dice 0)' if missed else '')
        cells = [m.name, title, m.scorer, '-' if miou is None else f'{miou:.1f}']
        for s in sets:
            r = m.results.get(s)
            cells.append(f'{r["AP"]:.1f} / {r["FPR95"]:.1f}' if r else '-')
        rows.append(cells)
    return '\n'.join('| ' + ' | '.join(r) + ' |' for r in rows)


@cli('list_models.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--task', choices=('driving', 'medical'))
    parser.add_argument('--benchmark', help='sort on this anomaly set (and show only the models '
                        'measured on it)')
    parser.add_argument('--sort', choices=('AP', 'AUROC', 'FPR95', 'mIoU'), default='AP')
    parser.add_argument('--names', action='store_true', help='the names only')
    args = add_debug_argument(parser).parse_args(argv)
    models = [m for m in read_index().values() if args.task in (None, m.task)]
    sets = anomaly_sets(models)
    if args.benchmark:
        if args.benchmark not in sets:
            raise InputError(f'--benchmark {args.benchmark}: the models listed are measured on '
                             f'{", ".join(sets)}')
        models = [m for m in models if args.benchmark in m.results]
        sets = [args.benchmark] + [s for s in sets if s != args.benchmark]
    if args.sort == 'mIoU':
        key = [(closed_set(m) is None, -(closed_set(m) or 0)) for m in models]
    else:
        sign = 1 if args.sort == 'FPR95' else -1
        key = [(sets[0] not in m.results, sign * m.results.get(sets[0], {}).get(args.sort, 0))
               for m in models]
    models = [m for _, m in sorted(zip(key, models), key=lambda pair: pair[0])]
    print('\n'.join(m.name for m in models) if args.names else table(models, sets))
    return models


if __name__ == '__main__':
    main()
