# DeepLabV3+ on MobileNetV2 at output stride 32 (light enough to train on a CPU), ImageNet init.
# `pretrain/mobilenet_v2-b0353104_mmseg.pth` comes from
#   python tools/model_converters/mobilenetv2_torchvision2mmseg.py \
#       $ANOMSEG_SHARED/weights/mobilenet_v2-b0353104.pth pretrain/mobilenet_v2-b0353104_mmseg.pth
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='AnomalyEncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='MobileNetV2',
        widen_factor=1.,
        strides=(1, 2, 2, 2, 1, 2, 1),
        dilations=(1, 1, 1, 1, 1, 1, 1),
        out_indices=(1, 2, 4, 6),
        norm_cfg=norm_cfg,
        act_cfg=dict(type='ReLU6'),
        init_cfg=dict(type='Pretrained', checkpoint='pretrain/mobilenet_v2-b0353104_mmseg.pth')),
    decode_head=dict(
        type='DepthwiseSeparableASPPHead',
        in_channels=320,
        in_index=3,
        channels=128,
        dilations=(1, 3, 6, 9),
        c1_in_channels=24,
        c1_channels=48,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)),
    train_cfg=dict(),
    # every scorer is computed from the same forward pass; `tools/test.py --scorer` overrides
    test_cfg=dict(mode='whole', scorer=['msp', 'max_logit', 'entropy', 'energy']))
