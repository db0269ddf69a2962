"""Quantise an exported ONNX model to int8 (onnxruntime's static quantisation), calibrated on
inlier frames.

    python tools/deployment/quantize_onnx.py MODEL.onnx CALIBRATION [--frames 32] \
        [--out MODEL_int8.onnx]

CALIBRATION: a folder, a glob or a video of frames the model was trained to know (e.g.
``../shared/data/CamVid/train``), never an anomaly set: the activation ranges are those seen
on these frames. The convolutions and matrix products run in int8 (QDQ); the preprocessing,
the scorers and the postprocessing stay in float. Run the result as any exported model:
``tools/infer.py --backend onnxruntime MODEL_int8.onnx SOURCE --out-dir OUT``. See
``anomseg.apis.onnx_model.quantize_onnx``; docs/performance.md says where int8 pays.
"""
import argparse
import itertools
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from anomseg.apis import open_frames  # noqa: E402
from anomseg.apis.onnx_model import quantize_onnx  # noqa: E402
from anomseg.utils import check_output_writable  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402


@cli('quantize_onnx.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('model', help='ONNX file from tools/deployment/export_onnx.py')
    parser.add_argument('calibration', help='folder, glob or video of inlier frames')
    parser.add_argument('--frames', type=int, default=32,
                        help='calibration frames, evenly spread over the source (default 32)')
    parser.add_argument('--out', help='default: MODEL_int8.onnx')
    args = add_debug_argument(parser).parse_args(argv)
    if not osp.isfile(args.model):
        raise FileNotFoundError(f'{args.model}: no such ONNX model file')
    out = args.out or osp.splitext(args.model)[0] + '_int8.onnx'
    check_output_writable(osp.dirname(osp.abspath(out)), 'output folder')
    source = open_frames(args.calibration)
    step = max(1, (source.count or args.frames) // args.frames)
    frames = [image for _, image in itertools.islice(source.frames(), 0, None, step)]
    meta = quantize_onnx(args.model, out, frames[:args.frames])
    print(json.dumps({k: meta[k] for k in ('input_shape', 'scorers', 'quantized')}))
    print(f'written: {out}')


if __name__ == '__main__':
    main()
