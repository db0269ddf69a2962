"""Compare evaluation runs on one benchmark: a markdown table and an HTML page of their metrics
side by side, with deltas against the first run, and their PR / ROC curves overlaid.

    python tools/analysis/compare_runs.py RUN [RUN ...] [--names A B ...] [--out DIR]

A RUN is a tools/test.py work dir (its report/report.json), a report folder, a report.json, or
the results JSON of tools/eval_scores.py (its OUT_report/report.json). Runs on different
datasets or frame sets are refused. Writes DIR/compare.md, DIR/compare.html and
DIR/compare_files/ (default DIR: work_dirs/compare) and prints the markdown table.
"""
import argparse
import html
import json
import math
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from anomseg.utils import check_output_writable, write_bytes_atomic  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402
from anomseg.visualization.plots import plot_curves_overlay  # noqa: E402
from anomseg.visualization.report_page import (LOWER_IS_BETTER, METRIC_DEFINITIONS,  # noqa: E402
                                               NOT_RANKED, STYLE)
from anomseg.utils.errors import InputError  # noqa: E402


def find_report(run):
    """The report.json of a run given as a work dir, report folder, report.json or the results
    JSON of tools/eval_scores.py."""
    candidates = [run] if run.endswith('.json') else []
    if run.endswith('.json') and osp.basename(run) != 'report.json':
        candidates = [osp.splitext(run)[0] + '_report/report.json',
                      osp.join(osp.dirname(run), 'report', 'report.json')]
    candidates += [osp.join(run, 'report.json'), osp.join(run, 'report', 'report.json')]
    for path in candidates:
        if osp.isfile(path):
            return path
    if not osp.exists(run):
        raise FileNotFoundError(f'{run}: no such run')
    raise FileNotFoundError(f'{run}: no report.json (looked for {", ".join(candidates)}); '
                            'runs are compared through their reports, which name their frames')


def load_runs(paths, names=None):
    """[(name, report)] of the runs, checked to be on the same dataset and frames."""
    runs = []
    for i, run in enumerate(paths):
        path = find_report(run)
        with open(path) as fh:
            try:
                report = json.load(fh)
            except json.JSONDecodeError as err:
                raise InputError(f'{path}: not valid JSON ({err})') from None
        if not isinstance(report, dict) or 'metrics' not in report or 'frames' not in report:
            raise InputError(f'{path}: not an anomseg report.json')
        name = names[i] if names else osp.basename(osp.normpath(
            run if not run.endswith('.json') else osp.dirname(osp.abspath(run)))) or run
        runs.append((name, report, path))
    first_name, first, first_path = runs[0]
    for name, report, path in runs[1:]:
        for what, get in (('dataset', lambda r: r['identity'].get('dataset')),
                          ('frame set', lambda r: sorted(f['stem'] for f in r['frames']))):
            if get(report) != get(first):
                a, b = get(first), get(report)
                detail = (f'{a} versus {b}' if what == 'dataset' else
                          f'{len(a)} versus {len(b)} frames, '
                          f'{len(set(a) ^ set(b))} not in both')
                raise InputError(f'{path} and {first_path} are runs on different {what}s '
                                 f'({detail}): only runs on the same frames compare')
    return [(name, report) for name, report, _ in runs]


def rows_of(runs):
    """[(run, scorer, {metric: value})] and the metric keys in order of first appearance."""
    rows, keys = [], []
    for name, report in runs:
        for scorer, values in report['metrics'].items():
            rows.append((name, scorer, values))
            keys += [k for k in values if k not in keys]
    return rows, keys


def reference(rows, run0, scorer):
    """The first run's row for ``scorer`` (else its first row): what deltas are taken from."""
    firsts = [r for r in rows if r[0] == run0]
    return next((r[2] for r in firsts if r[1] == scorer), firsts[0][2])


def _missing(value):
    return value is None or (isinstance(value, float) and math.isnan(value))


def _shown(key, value):
    if _missing(value):
        return '–'
    return f'{value:.4g}' if key in NOT_RANKED else f'{100 * value:.2f}'


def _delta(key, value, ref):
    """value - ref, or None where no difference is shown (thresholds, missing values)."""
    return None if key in NOT_RANKED or _missing(value) or _missing(ref) else value - ref


def markdown(runs):
    rows, keys = rows_of(runs)
    run0 = runs[0][0]
    lines = ['| run | scorer | ' + ' | '.join(keys) + ' |', '|---|---|' + '---|' * len(keys)]
    for name, scorer, values in rows:
        ref = reference(rows, run0, scorer)
        cells = []
        for k in keys:
            delta = None if name == run0 else _delta(k, values.get(k), ref.get(k))
            cells.append(_shown(k, values.get(k)) +
                         ('' if delta is None else f' ({100 * delta:+.2f})'))
        lines.append(f'| {name} | {scorer} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n\nPercent (thresholds as scores); in brackets, the difference ' \
        f'to {run0} in points.\n'


def page(runs, figures):
    rows, keys = rows_of(runs)
    run0 = runs[0][0]
    e = html.escape
    head = ''.join(f'<th title="{e(METRIC_DEFINITIONS.get(k, k))}">{e(k)}</th>' for k in keys)
    body = []
    for name, scorer, values in rows:
        ref = reference(rows, run0, scorer)
        cells = []
        for k in keys:
            delta = None if name == run0 else _delta(k, values.get(k), ref.get(k))
            cls = ''
            if delta is not None and abs(delta) >= 5e-5:
                cls = ' class=best' if (delta < 0) == (k in LOWER_IS_BETTER) else ' class=worse'
            cells.append(f'<td{cls}>{e(_shown(k, values.get(k)))}' + (
                '' if delta is None else f' <small>({100 * delta:+.2f})</small>') + '</td>')
        body.append(f'<tr><td>{e(name)}</td><td>{e(scorer)}</td>{"".join(cells)}</tr>')
    ident = runs[0][1]['identity']
    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>anomseg run '
            f'comparison</title><style>{STYLE}td.worse{{background:#fbe3e3}}</style></head>'
            f'<body><h1>Run comparison: {e(str(ident.get("dataset")))}, '
            f'{len(runs[0][1]["frames"])} frames</h1><p>Percent (thresholds as scores); in '
            f'brackets the difference to {e(run0)} in points, green where better.</p>'
            f'<div style="overflow-x:auto"><table id="compare-table"><thead><tr><th>run</th>'
            f'<th>scorer</th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
            '<div class="plots">' + ''.join(f'<img src="{e(f)}" alt="{e(k)}">'
                                            for k, f in figures.items()) +
            '</div></body></html>')


@cli('compare_runs.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', help='work dirs, report folders or JSON files')
    parser.add_argument('--names', nargs='+', help='a name per run (default: folder names)')
    parser.add_argument('--out', default='work_dirs/compare', help='folder for the page')
    args = add_debug_argument(parser).parse_args(argv)
    if args.names and len(args.names) != len(args.runs):
        raise InputError(f'--names gives {len(args.names)} names for {len(args.runs)} runs')
    if len(args.runs) < 2:
        raise InputError('give at least two runs to compare')
    runs = load_runs(args.runs, args.names)
    check_output_writable(args.out)
    curves, legend = {}, {}
    for name, report in runs:
        for scorer, curve in report['curves'].items():
            key = f'{name}: {scorer}'
            curves[key], legend[key] = curve, {m: report['metrics'][scorer].get(m) or float('nan')
                                               for m in ('AP', 'AUROC', 'FPR95')}
    figures = {'pr': 'compare_files/pr.png', 'roc': 'compare_files/roc.png'}
    plot_curves_overlay(curves, legend, osp.join(args.out, figures['pr']),
                        osp.join(args.out, figures['roc']))
    table = markdown(runs)
    write_bytes_atomic(osp.join(args.out, 'compare.md'), table.encode())
    write_bytes_atomic(osp.join(args.out, 'compare.html'), page(runs, figures).encode())
    print(table)
    print(f'written: {osp.join(args.out, "compare.html")}')


if __name__ == '__main__':
    main()
