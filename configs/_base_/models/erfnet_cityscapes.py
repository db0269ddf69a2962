# ERFNet (Romera et al., T-ITS 2018) as released for Cityscapes: mmseg's ERFNet backbone (encoder
# and decoder) and ERFNetHead (the 2x2 transposed convolution to 19 classes + a void channel).
# Inputs are RGB in [0, 1]: no mean subtraction, divided by 255.
model = dict(
    type='AnomalyEncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[0.0, 0.0, 0.0],
                           std=[255.0, 255.0, 255.0], bgr_to_rgb=True, pad_val=0,
                           seg_pad_val=255, size_divisor=8),
    backbone=dict(type='ERFNet', in_channels=3, enc_downsample_channels=(16, 64, 128),
                  enc_stage_non_bottlenecks=(5, 8), enc_non_bottleneck_dilations=(2, 4, 8, 16),
                  enc_non_bottleneck_channels=(64, 128), dec_upsample_channels=(64, 16),
                  dec_stages_non_bottleneck=(2, 2), dec_non_bottleneck_channels=(64, 16),
                  dropout_ratio=0.1),
    decode_head=dict(type='ERFNetHead', in_channels=16, channels=16, num_classes=19,
                     void_channel=True, dropout_ratio=0.0, align_corners=False,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                                      loss_weight=1.0)),
    train_cfg=dict(),
    # every scorer from one forward pass; `tools/test.py --scorer` overrides
    test_cfg=dict(mode='whole', scorer=['msp', 'max_logit', 'entropy', 'energy']))
