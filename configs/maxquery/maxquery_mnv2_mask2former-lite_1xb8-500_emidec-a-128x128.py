# MaxQuery (Yuan et al., CVPR 2023) on real cardiac MRI, setting A (no-reflow is the unseen
# lesion type): Mask2Former-lite / MobileNetV2 trained on background / cavity / myocardium /
# infarct with the query-distribution loss beside Mask2Former's losses. MaxQuery, RbA,
# max-softmax, entropy and energy come from one forward pass. See docs/medical.md.
_base_ = [
    '../_base_/models/mask2former-lite_mnv2.py', '../_base_/datasets/emidec-a.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500.py'
]
crop_size = (128, 128)
num_classes = 4
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes,
                     loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])),
    outlier_losses=[dict(type='QueryDistributionLoss', num_classes=num_classes,
                         loss_weight=1.0)],
    test_cfg=dict(mode='whole', scorer=['maxquery', 'rba', 'msp', 'entropy', 'energy']))
default_hooks = dict(visualization=dict(score_range=None))
