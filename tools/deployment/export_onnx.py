"""Export a trained anomaly segmentor to ONNX: class prediction and anomaly maps in one graph.

    python tools/deployment/export_onnx.py CONFIG CHECKPOINT --shape H W [--scorer rba,msp] \
        [--out model.onnx] [--opset 17]
    python tools/deployment/export_onnx.py MODEL_NAME --shape H W [...]   # writes MODEL_NAME.onnx

The model reads uint8 BGR images of H x W (1, 3, H, W) and outputs ``sem_seg`` (H, W) and one
(H, W) float32 map per scorer. Run it with
``tools/infer.py --backend onnxruntime MODEL.onnx SOURCE --out-dir OUT``.
See ``anomseg.apis.onnx_model``.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from anomseg.apis import export_onnx  # noqa: E402
from anomseg.apis.model_index import add_model_arguments, resolve_model_arguments  # noqa: E402
from anomseg.utils.cli import ConfigOptions, add_debug_argument, cli  # noqa: E402


@cli('export_onnx.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_arguments(parser)
    parser.add_argument('--shape', type=int, nargs=2, required=True, metavar=('H', 'W'),
                        help='size of the images the model will read')
    parser.add_argument('--scorer', help='scorer(s), comma-separated (default: the config\'s)')
    parser.add_argument('--out', help='ONNX file (default: the checkpoint\'s name, .onnx)')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptions)
    args = add_debug_argument(parser).parse_args(argv)
    name = args.config if args.checkpoint is None else None
    resolve_model_arguments(args)
    out = args.out or (f'{name}.onnx' if name else osp.splitext(args.checkpoint)[0] + '.onnx')
    meta = export_onnx(args.config, args.checkpoint, out, args.shape, scorer=args.scorer,
                       opset=args.opset, cfg_options=args.cfg_options)
    print(json.dumps({k: meta[k] for k in ('input_shape', 'scorers', 'checkpoint_sha256')}))
    print(f'written: {out}')


if __name__ == '__main__':
    main()
