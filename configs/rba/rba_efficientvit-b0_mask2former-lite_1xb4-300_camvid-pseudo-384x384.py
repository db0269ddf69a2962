# RbA outlier fine-tuning of the Mask2Former-lite head on the frozen EfficientViT-B0 Cityscapes
# encoder (`mask2former-lite_efficientvit-b0-cityscapes-pre_1xb4-500_camvid-pseudo-384x384.py`,
# 19 Cityscapes classes, pseudo-labelled CamVid frames); as the CamVid RbA config: the class and
# mask embeddings only, RbA's hinge (inlier margin 0, outlier margin 5) beside Mask2Former's own
# losses, objects pasted style-aligned into the crops, RbA's optimiser (AdamW at 1e-4, poly decay).
_base_ = ['../mask2former/mask2former-lite_efficientvit-b0-cityscapes-pre_1xb4-500_'
          'camvid-pseudo-384x384.py']
model = dict(
    backbone=dict(init_cfg=None),  # the base checkpoint (load_from) holds the encoder
    outlier_losses=[dict(type='RbAOutlierLoss', inlier_margin=0.0, outlier_margin=5.0)],
    trainable=['decode_head.cls_embed', 'decode_head.mask_embed'])
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_style}}))
optim_wrapper = dict(optimizer=dict(lr=1e-4, weight_decay=0.05),
                     clip_grad=dict(max_norm=0.01, norm_type=2))
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=300, by_epoch=False)]
train_cfg = dict(max_iters=300)
default_hooks = dict(checkpoint=dict(interval=300),
                     visualization=dict(score_range=(-2.0, 0.0)))
load_from = ('work_dirs/zoo_cityscapes/mask2former-lite_efficientvit-b0-cityscapes-pre_1xb4-500_'
             'camvid-pseudo-384x384/seed0/iter_500.pth')
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
