# MaxQuery (Yuan et al., CVPR 2023) on real brain MRI, CPU: Mask2Former-lite / MobileNetV2 trained
# on the MNI152 template's tissue classes with the query-distribution loss beside Mask2Former's
# losses; lesions are inserted into held-out slices only (data_prep/mni_brain.py). The anomaly
# scores compared: MaxQuery, RbA and max-softmax, from one forward pass.
_base_ = [
    '../_base_/models/mask2former_mnv2-lite.py', '../_base_/datasets/mni_brain.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
crop_size = (192, 192)
num_classes = 4
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes,
                     loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])),
    outlier_losses=[dict(type='QueryDistributionLoss', num_classes=num_classes,
                         loss_weight=1.0)],
    test_cfg=dict(mode='whole', scorer=['maxquery', 'rba', 'msp']))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=600, by_epoch=False),
]
train_cfg = dict(max_iters=600, val_interval=600)
default_hooks = dict(checkpoint=dict(interval=600),
                     visualization=dict(score_range=None))
