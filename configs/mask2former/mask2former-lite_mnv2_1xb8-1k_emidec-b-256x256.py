# Setting B's Mask2Former-lite (no QD loss) on 256x256 crops (whole slices) for 1,000
# iterations instead of 128x128 crops for 500 (docs/medical.md measures it against the
# 128x128 model).
_base_ = ['./mask2former-lite_mnv2_1xb8-500_emidec-b-128x128.py']
crop_size = (256, 256)
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(dataset=dict(pipeline=_base_.whole_slice_pipeline))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=1000, by_epoch=False),
]
train_cfg = dict(max_iters=1000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
