# Per-pixel baseline for setting A: DeepLabV3+ / MobileNetV2, scored by max-softmax, max logit,
# entropy and energy from one forward pass.
_base_ = [
    '../_base_/models/deeplabv3plus_mnv2.py', '../_base_/datasets/emidec-a.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_500.py'
]
crop_size = (128, 128)
model = dict(data_preprocessor=dict(size=crop_size), decode_head=dict(num_classes=4))
default_hooks = dict(visualization=dict(score_range=None))
