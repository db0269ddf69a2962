# RPL + CoroCL (Liu et al., ICCV 2023) on the released ERFNet Cityscapes model, fine-tuned on
# CamVid frames with style-aligned pasted objects. The residual module reads the encoder's output
# (128 channels at 1/8) and is added to it where the decoder starts (mmseg keeps ERFNet's decoder
# in the backbone: `backbone.decoder.0`), so the whole frozen decoder and classifier see it, as
# the residual enters DeepLabV3+ in front of its decoder convolutions in the paper.
_base_ = [
    '../_base_/models/erfnet_cityscapes.py', '../_base_/datasets/camvid_cityscapes-512x1024.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_500.py'
]
model = dict(
    type='RPLEncoderDecoder',
    residual_module=dict(type='RPLResidualModule', in_channels=128, out_channels=128,
                         channels=64, dilations=(1, 3, 6, 9), proj_channels=64,
                         norm_cfg=dict(type='BN', requires_grad=True)),
    residual_at='backbone.decoder.0',
    residual_input='target',
    rpl_loss=dict(type='RPLLoss'),
    corocl=dict(type='CoroCLLoss', temperature=0.1, max_per_group=512),
    test_cfg=dict(mode='whole', scorer=['energy', 'msp', 'max_logit', 'entropy']))
optim_wrapper = dict(optimizer=dict(lr=1e-3))  # as the CamVid RPL configs
load_from = 'checkpoints/cityscapes/erfnet.pth'
default_hooks = dict(visualization=dict(score_range=(-20.0, 0.0)))  # energy
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
