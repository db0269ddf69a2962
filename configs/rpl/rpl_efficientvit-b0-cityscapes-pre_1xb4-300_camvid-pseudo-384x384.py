# RPL + CoroCL (Liu et al., ICCV 2023) on the released EfficientViT-Seg-B0 Cityscapes model with
# its own per-pixel head, on the data and schedule of the Mask2Former-lite fine-tunings on its
# encoder (pseudo-labelled CamVid crops of 384x384 at 1024x512, objects pasted style-aligned, 300
# iterations of batch 4): the model frozen; the residual, an ASPP over the encoder's stride-32
# features (128 channels), is added to the head's fused stride-8 features in front of its
# MBConv block (`middle`), the convolutions before the classifier, as RPL's residual enters
# DeepLabV3+. Tested at 1024x512, the scale of the head comparison.
_base_ = [
    '../_base_/models/efficientvit-b0_cityscapes.py',
    '../_base_/datasets/camvid_pseudo_cityscapes-512x1024.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_500.py'
]
model = dict(
    type='RPLEncoderDecoder',
    residual_module=dict(type='RPLResidualModule', in_channels=128, in_index=2,
                         out_channels=32, channels=64, dilations=(1, 3, 6, 9),
                         proj_channels=64, norm_cfg=dict(type='BN', requires_grad=True)),
    residual_at='middle',
    residual_input='backbone',
    rpl_loss=dict(type='RPLLoss'),
    corocl=dict(type='CoroCLLoss', temperature=0.1, max_per_group=512),
    test_cfg=dict(mode='whole', scorer=['energy', 'msp', 'max_logit', 'entropy']))
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_style}}))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=300, by_epoch=False)]
train_cfg = dict(max_iters=300)
load_from = 'checkpoints/cityscapes/efficientvit.pth'
default_hooks = dict(checkpoint=dict(interval=300),
                     visualization=dict(score_range=(-20.0, 0.0)))  # energy
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
