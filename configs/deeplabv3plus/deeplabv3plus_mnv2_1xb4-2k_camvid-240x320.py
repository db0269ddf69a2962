_base_ = [
    '../_base_/models/deeplabv3plus_mnv2.py', '../_base_/datasets/camvid.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_2k.py'
]
crop_size = (240, 320)
data_preprocessor = dict(size=crop_size)
model = dict(data_preprocessor=data_preprocessor, decode_head=dict(num_classes=11))
