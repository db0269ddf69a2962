"""Entry point of the Fishyscapes submission container: reads INPUT/DDDD_*.png (the server's
names, e.g. 0000_04_Maurener_Weg_8_000000_000030_rgb.png), writes OUTPUT/DDDD_anomaly.npy (scores
at the input's size) and OUTPUT/DDDD_segmentation.npy (class ids 0..19), then checks every input
has both.

    python tools/submission/fishyscapes_entry.py --config CONFIG --checkpoint CKPT \
        [--input /input] [--output /output] [--scorer rba] [--device cuda:0]

The Apptainer definition beside this file packs it with a config and checkpoint.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from anomseg.apis import AnomalyInferencer, run_fishyscapes  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402


@cli('fishyscapes_entry.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', required=True)
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--input', default='/input')
    parser.add_argument('--output', default='/output')
    parser.add_argument('--scorer')
    parser.add_argument('--device', default='cpu')
    args = add_debug_argument(parser).parse_args(argv)
    inferencer = AnomalyInferencer(args.config, args.checkpoint, device=args.device,
                                   scorer=args.scorer)
    n = run_fishyscapes(inferencer, args.input, args.output)
    print(f'{n} frames written to {args.output} and checked')


if __name__ == '__main__':
    main()
