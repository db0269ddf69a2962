# RPL + CoroCL on the Mask2Former-lite head on the frozen EfficientViT-B0 Cityscapes encoder
# (`mask2former-lite_efficientvit-b0-cityscapes-pre_1xb4-500_camvid-pseudo-384x384.py`), as the
# CamVid Mask2Former-lite RPL config: the whole model frozen; the residual, an ASPP over the
# encoder's stride-32 features, is added to the pixel decoder's finest encoder level; the RPL
# losses read z_k = log L_k; objects pasted style-aligned into the pseudo-labelled CamVid crops;
# the schedule of the RbA fine-tuning on this head (300 iterations of batch 4).
_base_ = ['../mask2former/mask2former-lite_efficientvit-b0-cityscapes-pre_1xb4-500_'
          'camvid-pseudo-384x384.py']
model = dict(
    type='RPLEncoderDecoder',
    backbone=dict(init_cfg=None),  # the base checkpoint (load_from) holds the encoder
    trainable=None,  # RPL trains its residual module only
    residual_module=dict(type='RPLResidualModule', in_channels=128, in_index=3,
                         out_channels=128, channels=128, dilations=(1, 3, 6, 9),
                         proj_channels=128, norm_cfg=dict(type='BN', requires_grad=True)),
    residual_at='pixel_decoder.encoder',
    class_logits='log_scores',
    rpl_loss=dict(type='RPLLoss'),
    corocl=dict(type='CoroCLLoss', temperature=0.1, max_per_group=512),
    test_cfg=dict(mode='whole', scorer=['energy', 'rba', 'msp', 'max_logit', 'entropy',
                                        'mask2anomaly', 'eam', 'maxquery']))
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_style}}))
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=0.05))
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=300, by_epoch=False)]
train_cfg = dict(max_iters=300)
default_hooks = dict(checkpoint=dict(interval=300),
                     visualization=dict(score_range=(-1.0, 3.0)))  # -log sum_k L_k
load_from = ('work_dirs/zoo_cityscapes/mask2former-lite_efficientvit-b0-cityscapes-pre_1xb4-500_'
             'camvid-pseudo-384x384/seed0/iter_500.pth')
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
