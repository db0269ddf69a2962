_base_ = [
    '../_base_/models/deeplabv3plus_mnv2.py', '../_base_/datasets/synthroad.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
crop_size = (256, 256)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor, decode_head=dict(num_classes=9))
default_hooks = dict(visualization=dict(score_range=(0.0, 1.0)))  # the first scorer: msp
