# RbA outlier fine-tuning (Nayal et al., ICCV 2023) of the quickstart Mask2Former-lite
# (`make demo` writes work_dirs/quickstart/iter_600.pth): only the class and mask embedding heads
# train, with Mask2Former's own losses (outliers ignored) plus the RbA squared hinge
# (margins 0 / 5) on every decoder layer; style-aligned paste.
_base_ = [
    '../_base_/models/mask2former-lite_mnv2.py', '../_base_/datasets/synthroad_paste.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_300.py'
]
crop_size = (256, 256)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=9, loss_cls=dict(class_weight=[1.0] * 9 + [0.1])),
    outlier_losses=[dict(type='RbAOutlierLoss', inlier_margin=0.0, outlier_margin=5.0)],
    trainable=['decode_head.cls_embed', 'decode_head.mask_embed'])
load_from = 'work_dirs/quickstart/iter_600.pth'
default_hooks = dict(visualization=dict(score_range=(-2.0, 0.0)))  # RbA of 9 classes: [-9, 0]
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
