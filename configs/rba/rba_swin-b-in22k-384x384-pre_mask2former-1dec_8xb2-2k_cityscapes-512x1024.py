# RbA outlier fine-tuning on Cityscapes as RbA released it (swin_b_1dl_rba_ood_coco): from the
# one-decoder-layer Swin-B inlier model, 2000 iterations at batch 16 (8 GPUs x 2), AdamW lr 1e-4,
# weight decay 0.05, poly decay, gradient clipping at 0.01; COCO objects (Meta-OoD filtering) pasted
# with probability 0.1 at their own size; only the class and mask embedding heads train, with the
# squared hinge on the RbA score (margins 0 / 5) on every decoder layer beside Mask2Former's losses.
# Bank: python data_prep/ood_bank.py coco --out data/ood_bank/coco \
#           --ann data/coco/annotations/instances_train2017.json --images data/coco/train2017
_base_ = ['./rba_swin-b-in22k-384x384-pre_mask2former-1dec_8xb2-90k_cityscapes-512x1024.py']
crop_size = (512, 1024)
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='RandomChoiceResize', scales=[int(1024 * x * 0.1) for x in range(5, 21)],
         resize_type='ResizeShortestEdge', max_size=4096),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='PasteOOD', bank_root='data/ood_bank/coco', preset='rba'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
model = dict(
    outlier_losses=[dict(type='RbAOutlierLoss', inlier_margin=0.0, outlier_margin=5.0)],
    trainable=['decode_head.cls_embed', 'decode_head.mask_embed'])
optim_wrapper = dict(paramwise_cfg=dict(_delete_=True))
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=2000, by_epoch=False)]
train_cfg = dict(max_iters=2000, val_interval=1000)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=1000))
load_from = ('work_dirs/rba_swin-b-in22k-384x384-pre_mask2former-1dec_8xb2-90k_cityscapes-512x1024/'
             'iter_90000.pth')
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
