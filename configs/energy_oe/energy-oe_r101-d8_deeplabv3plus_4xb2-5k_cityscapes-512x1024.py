# Energy-based outlier exposure (Liu et al., NeurIPS 2020) on Cityscapes: mmseg's DeepLabV3+
# R101-d8 fine-tuned whole for 5k iterations with cross-entropy plus 0.1 x the energy hinge; COCO
# objects pasted as in Meta-OoD / PEBAL. Margins m_in = -12, m_out = -6 are a starting point for
# this model's logit scale: measure its inlier free energies first and adjust (see the CPU config).
_base_ = ['mmseg::deeplabv3plus/deeplabv3plus_r101-d8_4xb2-80k_cityscapes-512x1024.py',
          '../_base_/datasets/cityscapes_checked.py']
custom_imports = dict(imports=['anomseg', 'anomseg.runtime'], allow_failed_imports=False)
crop_size = (512, 1024)
model = dict(
    type='AnomalyEncoderDecoder',
    outlier_losses=[dict(type='EnergyOELoss', m_in=-12.0, m_out=-6.0, loss_weight=0.1)],
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
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=5000,
                        by_epoch=False)]
train_cfg = dict(max_iters=5000, val_interval=2500)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2500,
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
