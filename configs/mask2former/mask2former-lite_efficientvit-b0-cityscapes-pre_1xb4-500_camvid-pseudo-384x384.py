# Mask2Former-lite in the 19-class Cityscapes label space on the encoder of the released
# EfficientViT-Seg-B0 (frozen: only the mask head trains), from CamVid frames pseudo-labelled by
# that model (camvid_pseudo_cityscapes-512x1024.py). Tested at 1024x512 on CamVid val (classes
# mapped) and, with `--benchmark`, on the anomaly sets.
_base_ = [
    '../_base_/models/mask2former-lite_mnv2.py',
    '../_base_/datasets/camvid_pseudo_cityscapes-512x1024.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_500.py'
]
crop_size = (384, 384)
num_classes = 19
model = dict(
    data_preprocessor=dict(size=crop_size, test_cfg=dict(size_divisor=32)),
    backbone=dict(
        _delete_=True, type='EfficientViT', arch='b0', out_indices=(1, 2, 3, 4),
        init_cfg=dict(type='Pretrained', checkpoint='checkpoints/cityscapes/efficientvit.pth',
                      prefix='backbone.')),
    decode_head=dict(in_channels=[16, 32, 64, 128], num_classes=num_classes,
                     loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])),
    trainable=['decode_head'])
# the fine-tuning schedule (500 iterations, AdamW, no validation, the last checkpoint kept) with
# a from-scratch head's learning rate and a linear warm-up
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=500, by_epoch=False),
]
default_hooks = dict(logger=dict(interval=20))
