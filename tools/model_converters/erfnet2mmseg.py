"""Convert the released ERFNet checkpoint (Romera et al., ``erfnet_pytorch``) to anomseg's
mmseg model (``configs/erfnet/``): mmseg's ERFNet backbone plus ``ERFNetHead``.

    python tools/model_converters/erfnet2mmseg.py SRC.pth DST.pth

Every tensor of the released network maps to one tensor of the mmseg model; the encoder-only
classifier (``encoder.output_conv``, unused when the decoder runs) is left out and reported.
"""
import argparse
import io
import sys

import torch

from anomseg.utils import erfnet_original_to_mmseg, load_checkpoint_file, write_bytes_atomic


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help="the released state dict ('encoder.*', 'decoder.*')")
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args(argv)
    try:
        state = load_checkpoint_file(args.src, map_location='cpu')
    except FileNotFoundError:
        sys.exit(f'error: {args.src} does not exist')
    state = state.get('state_dict', state)
    converted, dropped = erfnet_original_to_mmseg(state)
    if not any(k.startswith('backbone.encoder.0.') for k in converted):
        sys.exit(f'error: {args.src} holds no ERFNet keys (encoder.initial_block...)')
    buf = io.BytesIO()
    torch.save({'state_dict': converted, 'meta': dict(converted_from=args.src)}, buf)
    write_bytes_atomic(args.dst, buf.getvalue())
    print(f'{args.dst}: {len(converted)} tensors; left out: {", ".join(dropped) or "none"}')


if __name__ == '__main__':
    main()
