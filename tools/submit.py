"""Benchmark-server submissions from a checkpoint, each validated before it reports success.

    python tools/submit.py smiyc CONFIG CHECKPOINT --images DIR --split AnomalyTrack-all \
        --method NAME --out-dir OUT [--scorer rba]
    python tools/submit.py oodis CONFIG CHECKPOINT --roadanomaly DIR [--fishyscapes DIR] \
        [--roadobstacle DIR] --threshold T --out-dir OUT [--description TEXT]

SMIYC: OUT/anomaly_p/NAME/SPLIT/<frame>.hdf5 and OUT/NAME_SPLIT.zip (upload the zip).
OoDIS: OUT/submission/<benchmark>/..., OUT/<benchmark>_results.json (COCO results) and
OUT/oodis_submission.zip. Fishyscapes runs as a container: tools/submission/fishyscapes_entry.py.
OUT is assembled in a temporary folder beside it and appears only once validated. Bad inputs
stop the run before the model loads, with one line naming them (exit code 2; --debug for the
traceback).
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.apis import (AnomalyInferencer, open_frames, submit_oodis,  # noqa: E402
                          submit_smiyc)
from anomseg.submission import SMIYC_SPLITS  # noqa: E402
from anomseg.utils import check_new_output_dir, check_outside  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402


@cli('submit.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='server', required=True)
    for name in ('smiyc', 'oodis'):
        p = sub.add_parser(name)
        p.add_argument('config')
        p.add_argument('checkpoint')
        p.add_argument('--out-dir', required=True, help='a new folder')
        p.add_argument('--scorer', help='the anomaly score to submit (default: the first)')
        p.add_argument('--device', default='cpu')
        add_debug_argument(p)
    smiyc = sub.choices['smiyc']
    smiyc.add_argument('--images', required=True, help='folder with the split\'s images')
    smiyc.add_argument('--split', required=True, choices=SMIYC_SPLITS)
    smiyc.add_argument('--method', required=True, help='method name on the leaderboard')
    oodis = sub.choices['oodis']
    for bench in ('fishyscapes', 'roadanomaly', 'roadobstacle'):
        oodis.add_argument(f'--{bench}', help=f'folder with the {bench} images')
    oodis.add_argument('--instances', choices=('components', 'queries'), default='components',
                       help='components: the connected components above --threshold; queries: '
                            'each non-empty query mask of a mask transformer, as confident as '
                            'its mean anomaly score')
    oodis.add_argument('--threshold', type=float,
                       help='with --instances components: score above which pixels form '
                            'instances (pick it on validation data, e.g. the best-F1 threshold '
                            'tools/test.py prints)')
    oodis.add_argument('--description')
    args = parser.parse_args(argv)
    if args.server == 'smiyc':
        folders = {'images': args.images}
    else:
        folders = {b: getattr(args, b) for b in ('fishyscapes', 'roadanomaly', 'roadobstacle')
                   if getattr(args, b)}
        if not folders:
            parser.error('give at least one of --fishyscapes, --roadanomaly, --roadobstacle')
        if (args.threshold is None) == (args.instances == 'components'):
            parser.error('--threshold goes with --instances components, and only with it')
    for source in folders.values():
        if open_frames(source).is_video:
            raise ValueError(f'{source}: benchmark submissions read image folders, not videos')
    check_outside(list(folders.values()), args.out_dir, 'output folder')
    check_new_output_dir(None, args.out_dir)
    inferencer = AnomalyInferencer(args.config, args.checkpoint, device=args.device,
                                   scorer=args.scorer, query_masks=args.server == 'oodis' and
                                   args.instances == 'queries')
    if args.server == 'smiyc':
        out = submit_smiyc(inferencer, args.images, args.out_dir, args.method, args.split)
    else:
        out = submit_oodis(inferencer, folders, args.out_dir, args.threshold,
                           description=args.description, instances=args.instances)
    print(f'submission checked and written: {out}')


if __name__ == '__main__':
    main()
