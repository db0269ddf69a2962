# Setting A's whole-slice Mask2Former-lite (256x256, no QD loss) trained twice as long: 2,000
# iterations instead of 1,000, nothing else changed (docs/medical.md measures what the longer
# schedule gives the infarct class).
_base_ = ['./mask2former-lite_mnv2_1xb8-1k_emidec-a-256x256.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=100, end=2000, by_epoch=False),
]
train_cfg = dict(max_iters=2000, val_interval=2000)
default_hooks = dict(checkpoint=dict(interval=2000))
