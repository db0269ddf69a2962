"""Convert torchvision's ImageNet MobileNetV2 weights to mmseg's MobileNetV2 backbone names.

    python tools/model_converters/mobilenetv2_torchvision2mmseg.py SRC.pth DST.pth

DST holds ``{'state_dict': ...}`` for ``init_cfg=dict(type='Pretrained', checkpoint=DST)``.
"""
import argparse
import io
import sys

import torch

from anomseg.utils import (load_checkpoint_file, mobilenet_v2_torchvision_to_mmseg,
                           write_bytes_atomic)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='torchvision state dict (features.N..., classifier...)')
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args(argv)
    try:
        state = load_checkpoint_file(args.src, map_location='cpu')
    except FileNotFoundError:
        sys.exit(f'error: {args.src} does not exist (`python tools/fetch_assets.py mobilenet_v2` '
                 'finds or downloads the ImageNet MobileNetV2 weights)')
    state = state.get('state_dict', state)
    converted, dropped = mobilenet_v2_torchvision_to_mmseg(state)
    if not converted:
        sys.exit(f'error: {args.src} holds no torchvision MobileNetV2 keys (features.N...)')
    buf = io.BytesIO()
    torch.save({'state_dict': converted}, buf)
    write_bytes_atomic(args.dst, buf.getvalue())
    print(f'{args.dst}: {len(converted)} tensors; left out (no counterpart in the mmseg '
          f'backbone): {", ".join(sorted({k.rsplit(".", 1)[0] for k in dropped}))}')


if __name__ == '__main__':
    main()
