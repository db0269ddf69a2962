# ESPNetv2 s=2.0 as released for Cityscapes (EdgeNets): anomseg's ESPNetV2 encoder and
# ESPNetV2Head (19 classes + a background channel). Inputs: RGB in [0, 1] normalised with the
# ImageNet mean and std.
model = dict(
    type='AnomalyEncoderDecoder',
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
                           seg_pad_val=255, size_divisor=32),
    backbone=dict(type='ESPNetV2', scale=2.0),
    decode_head=dict(type='ESPNetV2Head', in_channels=(32, 128, 256, 512), in_index=(0, 1, 2, 3),
                     channels=16, num_classes=19, void_channel=True, dropout_ratio=0.0,
                     align_corners=True,
                     loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                                      loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole', scorer=['msp', 'max_logit', 'entropy', 'energy']))
# Its authors' evaluation scores the 19 classes only: `--protocol published` keeps that.
published_protocol = dict(use_void_channel=False)
