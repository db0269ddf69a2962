"""Convert torchvision's ImageNet MobileNetV2 weights to mmseg's MobileNetV2 backbone names.

    python tools/model_converters/mobilenetv2_torchvision2mmseg.py SRC.pth DST.pth

DST holds ``{'state_dict': ...}`` for ``init_cfg=dict(type='Pretrained', checkpoint=DST)``.
"""
import argparse
import sys

from anomseg.utils.weight_conversion import (convert_checkpoint_file,
                                             mobilenet_v2_torchvision_to_mmseg)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='torchvision state dict (features.N..., classifier...)')
    parser.add_argument('dst', help='where to write the converted checkpoint')
    args = parser.parse_args(argv)
    try:
        count, dropped = convert_checkpoint_file(args.src, args.dst,
                                                 mobilenet_v2_torchvision_to_mmseg,
                                                 'torchvision MobileNetV2 keys (features.N...)')
    except FileNotFoundError:
        sys.exit(f'error: {args.src} does not exist (`python tools/fetch_assets.py mobilenet_v2` '
                 'finds or downloads the ImageNet MobileNetV2 weights)')
    except ValueError as err:
        sys.exit(f'error: {err}')
    print(f'{args.dst}: {count} tensors; left out (no counterpart in the mmseg backbone): '
          f'{", ".join(sorted({k.rsplit(".", 1)[0] for k in dropped}))}')


if __name__ == '__main__':
    main()
