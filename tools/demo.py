"""The demo behind `make demo`: the released Cityscapes ERFNet (converted to anomseg's mmseg
model) scores every pixel of the real RoadAnomaly frames with every per-pixel scorer, prints the
metrics beside the published ERFNet numbers, and writes heatmaps and the evaluation report.

Reads RoadAnomaly from $ANOMSEG_SHARED/data/RoadAnomaly_jpg, the cache, or downloads it once
from its official address (`python tools/fetch_assets.py demo`). No training. The same by hand:

    python tools/test.py configs/erfnet/erfnet_deconv-head_released_cityscapes-512x1024.py \
        checkpoints/cityscapes/erfnet.pth --benchmark RoadAnomaly --benchmark-root DIR \
        --protocol published --scorer msp,max_logit,entropy,energy \
        --work-dir work_dirs/demo --show-dir work_dirs/demo/heatmaps
"""
import argparse
import os.path as osp
import runpy
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from anomseg.assets import asset_path  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402

CONFIG = 'configs/erfnet/erfnet_deconv-head_released_cityscapes-512x1024.py'
CHECKPOINT = 'checkpoints/cityscapes/erfnet.pth'
SCORERS = ('msp', 'max_logit', 'entropy', 'energy')
# The published ERFNet RoadAnomaly row (AUPRC, FPR95 in %), the table docs/model_zoo.md
# reproduces; energy was not in it.
PUBLISHED = {'msp': (12.426, 82.492), 'max_logit': (15.582, 73.248),
             'entropy': (12.678, 82.632)}


def comparison(metrics):
    """The table printed at the end: ours beside the published numbers."""
    lines = [f'{"scorer":>10s} {"AP ours":>9s} {"published":>9s} {"FPR95 ours":>10s} '
             f'{"published":>9s}']
    for s in SCORERS:
        ap, fpr = 100 * metrics[f'{s}/AP'], 100 * metrics[f'{s}/FPR95_interp']
        pub_ap, pub_fpr = (f'{v:9.3f}' for v in PUBLISHED[s]) if s in PUBLISHED else \
            (f'{"-":>9s}',) * 2
        lines.append(f'{s:>10s} {ap:9.3f} {pub_ap} {fpr:10.3f} {pub_fpr}')
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
    metrics = test([osp.join(REPO, CONFIG), osp.join(REPO, CHECKPOINT), '--benchmark',
                    'RoadAnomaly', '--benchmark-root', data_root, '--protocol', 'published',
                    '--scorer', ','.join(SCORERS), '--work-dir', args.work_dir,
                    '--show-dir', osp.join(args.work_dir, 'heatmaps')])
    print('\nERFNet (Cityscapes) on RoadAnomaly, the published protocol (1024x512, frames with '
          'anomalies), AP and FPR95 in %:')
    print(comparison(metrics))
    print(f'\nheatmaps: {osp.join(args.work_dir, "heatmaps")}')
    print(f'done in {time.time() - start:.0f} s; open the report: '
          f'{osp.abspath(osp.join(args.work_dir, "report", "report.html"))}')


if __name__ == '__main__':
    main()
