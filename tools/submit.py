"""Benchmark-server submissions from a checkpoint, each validated before it reports success.

    python tools/submit.py smiyc CONFIG CHECKPOINT --images DIR --split AnomalyTrack-all \
        --method NAME --out-dir OUT [--scorer rba] [--partial]
    python tools/submit.py oodis CONFIG CHECKPOINT --fishyscapes LAF_DIR \
        --roadanomaly ANOMALYTRACK_DIR --roadobstacle OBSTACLETRACK_DIR --threshold T \
        --out-dir OUT [--name NAME --paper-link URL --code-link URL]
    python tools/submit.py check-oodis ZIP [--expected-files LIST]

SMIYC: OUT/anomaly_p/NAME/SPLIT/<frame>.hdf5 and OUT/NAME_SPLIT.zip (upload the zip); every
frame of the split unless --partial. OoDIS: the benchmark folders as downloaded (LostAndFound,
SMIYC's dataset_AnomalyTrack and dataset_ObstacleTrack), searched for the frames of the official
expected-file list; OUT/submission/ and OUT/oodis_submission.zip (upload it for both tasks:
segmentation and detection). check-oodis checks an OoDIS zip from any source by the same rules.
Fishyscapes runs as a container: tools/submission/fishyscapes_entry.py. OUT is assembled in a
temporary folder beside it and appears only once validated. Bad inputs stop the run before the
model loads, with one line naming them (exit code 2; --debug for the traceback).
docs/submissions.md says what each archive holds.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.apis import (AnomalyInferencer, oodis_images, open_frames,  # noqa: E402
                          submit_oodis, submit_smiyc)
from anomseg.apis.model_index import add_model_arguments, resolve_model_arguments  # noqa: E402
from anomseg.submission import (OODIS_BENCHMARKS, SMIYC_SPLITS,  # noqa: E402
                                check_smiyc_frame_count, format_description,
                                validate_oodis_zip)
from anomseg.utils import check_new_output_dir, check_outside  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402

OODIS_FOLDERS = {'fishyscapes': 'the LostAndFound download (leftImg8bit/{train,test}/CITY/)',
                 'roadanomaly': 'SMIYC\'s dataset_AnomalyTrack (images/)',
                 'roadobstacle': 'SMIYC\'s dataset_ObstacleTrack (images/)'}


@cli('submit.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='server', required=True)
    for name in ('smiyc', 'oodis'):
        p = sub.add_parser(name)
        add_model_arguments(p)
        p.add_argument('--out-dir', required=True, help='a new folder')
        p.add_argument('--scorer', help='the anomaly score to submit (default: the first)')
        p.add_argument('--device', default='cpu')
        add_debug_argument(p)
    smiyc = sub.choices['smiyc']
    smiyc.add_argument('--images', required=True, help='folder with the split\'s images')
    smiyc.add_argument('--split', required=True, choices=SMIYC_SPLITS)
    smiyc.add_argument('--method', required=True, help='method name on the leaderboard')
    smiyc.add_argument('--partial', action='store_true',
                       help='allow fewer frames than the split has (a local check; the server '
                            'scores complete splits)')
    oodis = sub.choices['oodis']
    for bench in OODIS_BENCHMARKS:
        oodis.add_argument(f'--{bench}', help=f'{OODIS_FOLDERS[bench]}, as downloaded')
    oodis.add_argument('--expected-files',
                       help='the list of expected _instanceIds_pred.txt files (default: the '
                            'official OoDIS list shipped with anomseg)')
    oodis.add_argument('--instances', choices=('components', 'queries'), default='components',
                       help='components: the connected components above --threshold; queries: '
                            'each non-empty query mask of a mask transformer, as confident as '
                            'its mean anomaly score')
    oodis.add_argument('--threshold', type=float,
                       help='with --instances components: score above which pixels form '
                            'instances (pick it on validation data, e.g. the best-F1 threshold '
                            'tools/test.py prints)')
    oodis.add_argument('--name', help='description.txt: the method\'s name')
    oodis.add_argument('--paper-link', help='description.txt: link to the paper')
    oodis.add_argument('--code-link', help='description.txt: link to the code')
    check = sub.add_parser('check-oodis', help='check an OoDIS submission zip before upload')
    check.add_argument('zip')
    check.add_argument('--expected-files', help='default: the official OoDIS list')
    add_debug_argument(check)
    args = parser.parse_args(argv)
    if args.server == 'check-oodis':
        validate_oodis_zip(args.zip, args.expected_files)
        print(f'{args.zip}: passes the OoDIS submission rules (segmentation and detection)')
        return
    resolve_model_arguments(args)
    if args.server == 'smiyc':
        folders = {'images': args.images}
    else:
        folders = {b: getattr(args, b) for b in OODIS_BENCHMARKS if getattr(args, b)}
        if (args.threshold is None) == (args.instances == 'components'):
            parser.error('--threshold goes with --instances components, and only with it')
        description = format_description(args.name, args.paper_link, args.code_link)
    for source in folders.values():
        if osp.isfile(source) and open_frames(source).is_video:
            raise InputError(f'{source}: benchmark submissions read image folders, not videos')
    check_outside(list(folders.values()), args.out_dir, 'output folder')
    check_new_output_dir(None, args.out_dir)
    if args.server == 'smiyc':
        check_smiyc_frame_count(args.split, len(open_frames(args.images).paths), args.partial)
    else:
        images = oodis_images(folders, args.expected_files)
    inferencer = AnomalyInferencer(args.config, args.checkpoint, device=args.device,
                                   scorer=args.scorer, query_masks=args.server == 'oodis' and
                                   args.instances == 'queries')
    if args.server == 'smiyc':
        out = submit_smiyc(inferencer, args.images, args.out_dir, args.method, args.split,
                           partial=args.partial)
    else:
        out = submit_oodis(inferencer, images, args.out_dir, args.threshold,
                           description=description, instances=args.instances,
                           expected_files=args.expected_files)
    print(f'submission checked and written: {out}')


if __name__ == '__main__':
    main()
