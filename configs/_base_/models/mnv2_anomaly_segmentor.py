# The parts every MobileNetV2 model here shares: an anomaly-scoring segmentor, ImageNet
# normalisation, and MobileNetV2 at output stride 32 (light enough to train on a CPU), ImageNet init.
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
    train_cfg=dict())
