"""Convert the released ERFNet checkpoint (Romera et al., ``erfnet_pytorch``) to anomseg's
mmseg model (``configs/erfnet/``): mmseg's ERFNet backbone plus ``ERFNetHead``.

    python tools/model_converters/erfnet2mmseg.py SRC.pth DST.pth

Every tensor of the released network maps to one tensor of the mmseg model; the encoder-only
classifier (``encoder.output_conv``, unused when the decoder runs) is left out and reported.
"""
import argparse
import sys

from anomseg.utils.weight_conversion import convert_checkpoint_file, erfnet_original_to_mmseg


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="the released state dict ('encoder.*', 'decoder.*')")
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args(argv)
    try:
        count, dropped = convert_checkpoint_file(args.src, args.dst, erfnet_original_to_mmseg,
                                                 'ERFNet keys (encoder.*, decoder.*)')
    except FileNotFoundError:
        sys.exit(f'error: {args.src} does not exist')
    except ValueError as err:
        sys.exit(f'error: {err}')
    print(f'{args.dst}: {count} tensors; left out: {", ".join(dropped) or "none"}')


if __name__ == '__main__':
    main()
