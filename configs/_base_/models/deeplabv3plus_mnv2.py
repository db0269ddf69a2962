# DeepLabV3+ on MobileNetV2 (see mnv2_anomaly_segmentor.py).
_base_ = ['./mnv2_anomaly_segmentor.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
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
    # every scorer is computed from the same forward pass; `tools/test.py --scorer` overrides
    test_cfg=dict(mode='whole', scorer=['msp', 'max_logit', 'entropy', 'energy']))
