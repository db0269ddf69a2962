# 500 iterations, AdamW with linear warm-up then poly decay (schedule_1k.py's optimiser): the
# EMIDEC models on a CPU (a few minutes each). Validates once at the end and keeps the last
# checkpoint, so nothing is picked on validation or test data.
_base_ = ['./schedule_1k.py']
param_scheduler = [
    dict(type='LinearLR', start_factor=0.05, by_epoch=False, begin=0, end=50),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=500, by_epoch=False),
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=500, val_interval=500)
# checkpoints written atomically (anomseg.runtime registers 'atomic_local'): a training killed
# while saving leaves no truncated checkpoint
default_hooks = dict(checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500,
                                     backend_args=dict(backend='atomic_local')))
