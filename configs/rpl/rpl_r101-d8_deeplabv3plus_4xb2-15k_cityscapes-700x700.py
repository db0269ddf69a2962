# RPL + CoroCL on Cityscapes with mmseg's DeepLabV3+ R101-d8 (load mmseg's released checkpoint of
# deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024): RPL's released schedule, 40 epochs of
# 2975 images at batch 8 (14,840 iterations), 700x700 crops, Adam at 7.5e-5 with poly decay,
# weight decay 1e-4, energy weight 0.05; one COCO object per image rescaled by 0.1-0.75.
# The residual goes in front of the head's classifier convolutions (512 + 48 channels).
_base_ = ['mmseg::deeplabv3plus/deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py',
          '../_base_/datasets/cityscapes_checked.py']
custom_imports = dict(imports=['anomseg', 'anomseg.runtime'], allow_failed_imports=False)
crop_size = (700, 700)
model = dict(
    type='RPLEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    residual_module=dict(type='RPLResidualModule', in_channels=2048, in_index=3,
                         out_channels=560, channels=256, dilations=(1, 12, 24, 36),
                         proj_channels=256, norm_cfg=dict(type='SyncBN', requires_grad=True)),
    residual_at='sep_bottleneck',
    rpl_loss=dict(type='RPLLoss', loss_weights=(1.0, 1.0, 0.05)),
    corocl=dict(type='CoroCLLoss', temperature=0.1, max_per_group=512),
    test_cfg=dict(mode='whole', scorer=['energy', 'msp', 'max_logit', 'entropy']))
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='PasteOOD', bank_root='data/ood_bank/coco', preset='rpl'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=7.5e-5, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=14840,
                        by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=14840, val_interval=1855)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=1855,
                                     backend_args=dict(backend='atomic_local')),
                     visualization=dict(_delete_=True, type='AnomalyVisualizationHook'))
load_from = ('https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3plus/'
             'deeplabv3plus_r101-d8_512x1024_80k_cityscapes/'
             'deeplabv3plus_r101-d8_512x1024_80k_cityscapes_20200606_114143-068fcfe9.pth')
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
test_pipeline = _base_.checked_test_pipeline  # mmseg's, with anomseg's checked loaders
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
tta_pipeline = _base_.checked_tta_pipeline
