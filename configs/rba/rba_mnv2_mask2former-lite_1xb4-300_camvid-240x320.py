# RbA outlier fine-tuning of the CamVid Mask2Former-lite
# (`python tools/train.py configs/mask2former/mask2former-lite_mnv2_1xb4-1k_camvid-240x320.py`);
# as the SynthRoad config: embedding heads only, RbA hinge (0 / 5), style-aligned paste.
_base_ = [
    '../_base_/models/mask2former-lite_mnv2.py', '../_base_/datasets/camvid_paste.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_300.py'
]
crop_size = (240, 320)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11, loss_cls=dict(class_weight=[1.0] * 11 + [0.1])),
    outlier_losses=[dict(type='RbAOutlierLoss', inlier_margin=0.0, outlier_margin=5.0)],
    trainable=['decode_head.cls_embed', 'decode_head.mask_embed'])
load_from = 'work_dirs/mask2former-lite_mnv2_1xb4-1k_camvid-240x320/iter_1000.pth'
default_hooks = dict(visualization=dict(score_range=(-2.0, 0.0)))
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
