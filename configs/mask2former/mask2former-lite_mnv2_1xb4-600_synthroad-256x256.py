# The quickstart model (`make demo`): Mask2Former-lite trained for 600 iterations on SynthRoad,
# AdamW with linear warm-up then poly decay.
_base_ = ['./mask2former-lite_mnv2_1xb4-1k_synthroad-256x256.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=600, by_epoch=False),
]
train_cfg = dict(max_iters=600, val_interval=600)
default_hooks = dict(checkpoint=dict(interval=600))
