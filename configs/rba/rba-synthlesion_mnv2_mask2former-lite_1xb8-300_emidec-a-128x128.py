# Outlier exposure that fits MRI: synthetic lesions (intensity-textured blobs, brighter or darker
# than the tissue; anomseg.datasets.transforms.synthetic_lesion) inserted into the heart wall of
# training crops, with RbA's hinge on the embedding heads of the MaxQuery model
# (maxquery_mnv2_mask2former-lite_1xb8-500_emidec-a-128x128.py). Photographs pasted from an object
# bank would be told apart by their texture and context alone; a lesion made of the slice's own grey
# values inside the myocardium is the kind of thing the model must learn to flag.
_base_ = [
    '../_base_/models/mask2former-lite_mnv2.py', '../_base_/datasets/emidec-a.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_300.py'
]
crop_size = (128, 128)
num_classes = 4
lesion_classes = (2, 3)  # myocardium and infarct: no-reflow lies inside the infarct
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=4),
    dict(type='RandomResize', scale=(256, 256), ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomCropNearClasses', crop_size=crop_size, classes=(1, 2, 3), prob=0.8),
    dict(type='InsertSyntheticLesion', classes=lesion_classes, prob=0.5, size=(4, 14)),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackSegInputs'),
]))
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes,
                     loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])),
    outlier_losses=[dict(type='RbAOutlierLoss', inlier_margin=0.0, outlier_margin=5.0)],
    trainable=['decode_head.cls_embed', 'decode_head.mask_embed'],
    test_cfg=dict(mode='whole', scorer=['maxquery', 'rba', 'msp', 'entropy', 'energy']))
load_from = 'work_dirs/maxquery_mnv2_mask2former-lite_1xb8-500_emidec-a-128x128/iter_500.pth'
default_hooks = dict(visualization=dict(score_range=None))
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
