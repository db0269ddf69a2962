# Per-pixel baseline for setting B: DeepLabV3+ / MobileNetV2, scored by max-softmax, max logit,
# entropy and energy from one forward pass.
_base_ = [
    '../_base_/models/deeplabv3plus_mnv2.py', '../_base_/datasets/emidec-b.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500.py'
]
crop_size = (128, 128)
# cross-entropy plus Dice, as medical segmentation trains (nnU-Net); mmseg's DiceLoss pools all
# classes, so it does not stop a run from settling on background everywhere (docs/medical.md)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=3, loss_decode=[
        dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
        dict(type='DiceLoss', use_sigmoid=False, loss_weight=1.0)]))
default_hooks = dict(visualization=dict(score_range=None))
