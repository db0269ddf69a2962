"""Anomaly heatmaps (and raw scores) for an image, a folder, a glob, a video or NIfTI volumes.

    python tools/infer.py CONFIG CHECKPOINT SOURCE --out-dir OUT [--scores npy|hdf5]
        [--scorer rba] [--device cuda:0] [--batch-size 4] [--temporal-smoothing 0.5]
        [--score-range VMIN VMAX | --per-frame-range] [--no-semantic] [--no-video]
        [--display-window LOW HIGH]
    python tools/infer.py MODEL_NAME SOURCE --out-dir OUT [...]   # a published model by name
    python tools/infer.py --backend onnxruntime MODEL.onnx SOURCE --out-dir OUT [...]

The second form runs a model exported by tools/deployment/export_onnx.py (frames of the size it
was exported at; --scorer picks the drawn one of its scorers; --device, --cfg-options and
--batch-size do not apply).

A NIfTI volume (``.nii`` / ``.nii.gz``), a folder of them or a DICOM series folder is cut into
slices as the config's ``volume_slicing`` says (the slice converter's intensities and geometry)
and gives volumes on the input's grid: OUT/NAME_anomaly_{scorer}.nii.gz (float32),
OUT/NAME_seg.nii.gz, a montage OUT/NAME_montage.png and OUT/NAME.json with the patient score
(``anomseg.apis.volume_inference``).

For images and videos it writes OUT/vis/NAME.png (heatmap with colour bar beside the class
prediction), OUT/scores/ and, for a video, OUT/SOURCE_anomaly.mp4 at the source frame rate;
OUT/summary.json last, so a folder without it holds an interrupted run. See
``AnomalyInferencer.run``. A bad input stops the run before the model loads, with one line
naming it (exit code 2; --debug for the traceback).
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.apis import (AnomalyInferencer, OnnxInferencer, infer_volumes,  # noqa: E402
                          load_config, open_frames, volume_paths)
from anomseg.apis.model_index import add_model_arguments, resolve_model_arguments  # noqa: E402
from anomseg.utils import check_output_writable, check_outside  # noqa: E402
from anomseg.utils.cli import ConfigOptions, add_debug_argument, cli  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402


def parse_args(argv=None):
    backend = argparse.ArgumentParser(add_help=False)
    backend.add_argument('--backend', choices=('pytorch', 'onnxruntime'), default='pytorch')
    known, _ = backend.parse_known_args(argv)
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0], parents=[backend])
    if known.backend == 'onnxruntime':
        parser.add_argument('model', help='ONNX file from tools/deployment/export_onnx.py')
    else:
        add_model_arguments(parser)
    parser.add_argument('source', help='image, folder, glob pattern (quoted), video file, or '
                        'NIfTI volume / folder of volumes / DICOM series folder')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--scorer', help='scorer(s) to compute, comma-separated; the first is '
                        'drawn (default: the config\'s scorers)')
    parser.add_argument('--scores', choices=['npy', 'hdf5'], help='also save raw scores')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--batch-size', type=int, default=1)
    parser.add_argument('--temporal-smoothing', type=float, default=0.0,
                        help='a in [0, 1): s~_t = (1 - a) s_t + a s~_(t-1) across frames')
    parser.add_argument('--score-range', type=float, nargs=2, metavar=('VMIN', 'VMAX'))
    parser.add_argument('--per-frame-range', action='store_true',
                        help='colour scale from each frame\'s own percentiles')
    parser.add_argument('--no-semantic', action='store_true', help='heatmap only')
    parser.add_argument('--display-window', type=float, nargs=2, metavar=('LOW', 'HIGH'),
                        help='grey-level window of the displayed image (medical slices)')
    parser.add_argument('--no-video', action='store_true', help='PNG frames instead of an MP4')
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptions,
                        help='key=value overrides of the config')
    return add_debug_argument(parser).parse_args(argv)


@cli('infer.py')
def main(argv=None):
    args = parse_args(argv)
    if args.backend == 'pytorch':
        resolve_model_arguments(args)
    volumes = volume_paths(args.source)  # the source and the output folder are checked first
    if not volumes:
        open_frames(args.source)
    if osp.isdir(args.source):
        check_outside([args.source], args.out_dir, 'output folder')
    check_output_writable(args.out_dir)
    if volumes and (args.backend == 'onnxruntime' or
                    not load_config(args.config, args.cfg_options).get('volume_slicing')):
        raise InputError(f'{args.source}: volumes are cut as a config\'s volume_slicing says '
                         '(how its training slices were made); this model has none')
    if args.backend == 'onnxruntime':
        inferencer = OnnxInferencer(args.model)
        scorer = args.scorer.split(',')[0] if args.scorer else None
    else:
        inferencer = AnomalyInferencer(args.config, args.checkpoint, device=args.device,
                                       scorer=args.scorer, cfg_options=args.cfg_options)
        scorer = None
    if volumes:
        print(json.dumps(infer_volumes(inferencer, args.source, args.out_dir,
                                       batch_size=args.batch_size), indent=1))
        return
    summary = inferencer.run(args.source, args.out_dir, scorer=scorer, scores=args.scores,
                             semantic=not args.no_semantic, video=not args.no_video,
                             temporal_smoothing=args.temporal_smoothing,
                             score_range=args.score_range,
                             per_frame_range=args.per_frame_range,
                             batch_size=args.batch_size, display_window=args.display_window)
    print(json.dumps(summary, indent=1))


if __name__ == '__main__':
    main()
