# RPL + CoroCL (Liu et al., ICCV 2023) on the released ESPNetv2 (s=2.0) Cityscapes model,
# fine-tuned on CamVid frames with style-aligned pasted objects. As for ERFNet, the residual reads
# the encoder's deepest output (512 channels at 1/16) and is added to it where the decoder starts
# (the first pyramid-pooling block, `bu_dec_l1`).
_base_ = [
    '../_base_/models/espnetv2_cityscapes.py', '../_base_/datasets/camvid_cityscapes-512x1024.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_500.py'
]
model = dict(
    type='RPLEncoderDecoder',
    residual_module=dict(type='RPLResidualModule', in_channels=512, out_channels=512,
                         channels=64, dilations=(1, 3, 6, 9), proj_channels=64,
                         norm_cfg=dict(type='BN', requires_grad=True)),
    residual_at='bu_dec_l1',
    residual_input='target',
    rpl_loss=dict(type='RPLLoss'),
    corocl=dict(type='CoroCLLoss', temperature=0.1, max_per_group=512),
    test_cfg=dict(mode='whole', scorer=['energy', 'msp', 'max_logit', 'entropy']))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
load_from = 'checkpoints/cityscapes/espnetv2.pth'
default_hooks = dict(visualization=dict(score_range=(-20.0, 0.0)))
published_protocol = dict(use_void_channel=False)
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
