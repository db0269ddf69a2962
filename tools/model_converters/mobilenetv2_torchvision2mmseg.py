"""Convert torchvision's ImageNet MobileNetV2 weights to mmseg's MobileNetV2 backbone names.

    python tools/model_converters/mobilenetv2_torchvision2mmseg.py SRC.pth DST.pth

DST holds ``{'state_dict': ...}`` for ``init_cfg=dict(type='Pretrained', checkpoint=DST)``;
``features.18`` and the classifier have no counterpart in the mmseg backbone.
"""
from anomseg.utils.weight_conversion import converter_main, mobilenet_v2_torchvision_to_mmseg

if __name__ == '__main__':
    converter_main(__doc__, mobilenet_v2_torchvision_to_mmseg,
                   'torchvision MobileNetV2 keys (features.N...)',
                   'torchvision state dict (features.N..., classifier...)',
                   ' (`python tools/fetch_assets.py mobilenet_v2` finds or downloads the '
                   'ImageNet MobileNetV2 weights)')
