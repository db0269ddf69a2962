# RPL + CoroCL on the CamVid DeepLabV3+ / MobileNetV2
# (`python tools/train.py configs/deeplabv3plus/deeplabv3plus_mnv2_1xb4-2k_camvid-240x320.py`);
# as the SynthRoad config.
_base_ = [
    '../_base_/models/deeplabv3plus_mnv2.py', '../_base_/datasets/camvid_paste.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_300.py'
]
crop_size = (240, 320)
model = dict(
    type='RPLEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11),
    residual_module=dict(type='RPLResidualModule', in_channels=320, in_index=3,
                         out_channels=176, channels=128, dilations=(1, 3, 6, 9),
                         proj_channels=128, norm_cfg=dict(type='BN', requires_grad=True)),
    residual_at='sep_bottleneck',
    rpl_loss=dict(type='RPLLoss'),
    corocl=dict(type='CoroCLLoss', temperature=0.1, max_per_group=512),
    test_cfg=dict(mode='whole', scorer=['energy', 'msp', 'max_logit', 'entropy']))
optim_wrapper = dict(optimizer=dict(lr=1e-3), clip_grad=None)
load_from = 'work_dirs/deeplabv3plus_mnv2_1xb4-2k_camvid-240x320/iter_2000.pth'
default_hooks = dict(visualization=dict(score_range=(-20.0, 0.0)))
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
