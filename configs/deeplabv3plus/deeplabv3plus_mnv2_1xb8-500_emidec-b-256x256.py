# Setting B's per-pixel baseline on 256x256 crops (whole slices) instead of 128x128 (the one
# change against deeplabv3plus_mnv2_1xb8-500_emidec-b-128x128.py; docs/medical.md measures it).
_base_ = ['./deeplabv3plus_mnv2_1xb8-500_emidec-b-128x128.py']
crop_size = (256, 256)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(dataset=dict(pipeline=_base_.whole_slice_pipeline))
