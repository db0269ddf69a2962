# EfficientViT-Seg-B0 (Cai et al., ICCV 2023) as released for Cityscapes (75.65 mIoU on
# Cityscapes val at 1024x2048): anomseg's EfficientViT backbone and EfficientViTSegHead, 19
# classes, no void channel. Inputs: RGB normalised with the ImageNet mean and std; logits at
# stride 8, upsampled bicubically.
model = dict(
    type='AnomalyEncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
                           seg_pad_val=255, size_divisor=32),
    backbone=dict(type='EfficientViT', arch='b0', out_indices=(2, 3, 4)),
    decode_head=dict(type='EfficientViTSegHead', in_channels=(32, 64, 128), in_index=(0, 1, 2),
                     strides=(8, 16, 32), channels=32, expand_ratio=4, final_expand=4,
                     num_classes=19, dropout_ratio=0.0, align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                                      loss_weight=1.0)),
    train_cfg=dict(),
    # every scorer from one forward pass; `tools/test.py --scorer` overrides
    test_cfg=dict(mode='whole', scorer=['msp', 'max_logit', 'entropy', 'energy']))
