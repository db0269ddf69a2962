# 2k iterations, AdamW with linear warm-up then poly decay: the CamVid model zoo on a CPU (10-30
# minutes a model). Validates every 1k iterations and keeps the best CamVid-val checkpoint, so a
# checkpoint is never picked on an anomaly benchmark.
_base_ = ['./schedule_1k.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=100),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=100, end=2000, by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000, val_interval=1000)
# checkpoints written atomically (anomseg.runtime registers 'atomic_local'): a training killed
# while saving leaves no truncated checkpoint
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1000,
                                     max_keep_ckpts=1, save_best='mIoU',
                                     backend_args=dict(backend='atomic_local')))
