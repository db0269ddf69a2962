# 8k iterations, AdamW with linear warm-up then poly decay (CamVid on a CPU: a few hours).
_base_ = ['./schedule_1k.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=200),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=200, end=8000, by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=8000, val_interval=1000)
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1000,
                                     max_keep_ckpts=2, save_best='mIoU'))
