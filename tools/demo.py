"""The demo behind `make demo`: on the 60 real RoadAnomaly frames, the released Cityscapes ERFNet
against the same network with anomseg's RPL module (the zoo's best on RoadAnomaly), each with its
own scorer, under the protocol of the published ERFNet table; prints both tables beside the
published ERFNet numbers, and writes each run's report (with every frame's heatmap panel) and
one page that sets the two runs side by side.

Reads RoadAnomaly from $ANOMSEG_SHARED/data/RoadAnomaly_jpg, the cache, or downloads it once
from its official address (`python tools/fetch_assets.py demo`). No training. The same by hand:

    python tools/test.py erfnet_cityscapes --benchmark RoadAnomaly --benchmark-root DIR \
        --protocol published --scorer energy,msp,max_logit,entropy \
        --work-dir work_dirs/demo/erfnet
    python tools/test.py erfnet-rpl_cityscapes --benchmark RoadAnomaly --benchmark-root DIR \
        --protocol published --scorer energy \
        --work-dir work_dirs/demo/erfnet-rpl
    python tools/analysis/compare_runs.py work_dirs/demo/erfnet work_dirs/demo/erfnet-rpl \
        --names ERFNet ERFNet+RPL --out work_dirs/demo/compare
"""
import argparse
import os.path as osp
import runpy
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from anomseg.apis import get_model  # noqa: E402
from anomseg.assets import asset_path  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402

SCORERS = ('msp', 'max_logit', 'entropy', 'energy')
# (model name, label); each model's own scorer is its metafile's (the report follows it)
MODELS = (('erfnet_cityscapes', 'ERFNet'), ('erfnet-rpl_cityscapes', 'ERFNet+RPL'))
# The published ERFNet RoadAnomaly row (AUPRC, FPR95 in %), the table docs/model_zoo.md
# reproduces; energy was not in it.
PUBLISHED = {'msp': (12.426, 82.492), 'max_logit': (15.582, 73.248),
             'entropy': (12.678, 82.632)}


def comparison(runs):
    """The table printed at the end: each model's AP and FPR95 per scorer beside the published
    ERFNet numbers; * marks each model's own scorer."""
    head = f'{"scorer":>10s}'
    for _, label in MODELS:
        head += f' {label + " AP":>14s} {"FPR95":>7s}'
    lines = [head + f' {"published ERFNet AP":>20s} {"FPR95":>7s}']
    own = {name: get_model(name).scorer for name, _ in MODELS}
    for s in SCORERS:
        row = f'{s:>10s}'
        for name, _ in MODELS:
            m = runs[name]
            if f'{s}/AP' not in m:
                row += f' {"- ":>14s} {"-":>7s}'
                continue
            ap = f'{100 * m[f"{s}/AP"]:.3f}' + ('*' if s == own[name] else ' ')
            row += f' {ap:>14s} {100 * m[f"{s}/FPR95_interp"]:7.3f}'
        pub_ap, pub_fpr = (f'{v:.3f}' for v in PUBLISHED[s]) if s in PUBLISHED else ('-', '-')
        lines.append(row + f' {pub_ap:>20s} {pub_fpr:>7s}')
    return '\n'.join(lines)


@cli('demo.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data-root', help='RoadAnomaly in its official layout (default: '
                        'the shared copy, the cache, or a download)')
    args = add_debug_argument(parser).parse_args(argv)
    start = time.time()
    data_root = args.data_root or asset_path('road_anomaly')
    test = runpy.run_path(osp.join(REPO, 'tools', 'test.py'))['main']
    compare = runpy.run_path(osp.join(REPO, 'tools', 'analysis', 'compare_runs.py'))['main']
    runs = {}
    for name, _ in MODELS:
        work = osp.join(args.work_dir, name.split('_')[0])
        own = get_model(name).scorer  # the report follows the first scorer
        # the released model with every scorer of the published table, the method with its own
        scorers = [own] + [s for s in SCORERS if s != own] if name == MODELS[0][0] else [own]
        runs[name] = test([name, '--benchmark', 'RoadAnomaly', '--benchmark-root', data_root,
                           '--protocol', 'published', '--scorer', ','.join(scorers),
                           '--work-dir', work])
    page = osp.join(args.work_dir, 'compare')
    compare([*(osp.join(args.work_dir, n.split('_')[0]) for n, _ in MODELS), '--names',
             *(label for _, label in MODELS), '--out', page])
    print('\nRoadAnomaly, the published ERFNet protocol (1024x512, frames with anomalies), AP and '
          'FPR95 in %; * each model\'s own scorer:')
    print(comparison(runs))
    for name, label in MODELS:
        work = osp.join(args.work_dir, name.split('_')[0])
        print(f'{label}: {osp.abspath(osp.join(work, "report", "report.html"))} (every '
              f'frame\'s heatmap panel in its report_files/)')
    print(f'done in {time.time() - start:.0f} s; the two runs side by side: '
          f'{osp.abspath(osp.join(page, "compare.html"))}')


if __name__ == '__main__':
    main()
