# Outlier-exposure fine-tuning of the Cityscapes models on CamVid: 500 iterations of batch 8
# (4000 crops, about 11 passes over CamVid train), AdamW with poly decay; no validation, the last
# checkpoint is kept.
optimizer = dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer)
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=500, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=500)
test_cfg = dict(type='TestLoop')
# checkpoints written atomically (anomseg.runtime registers 'atomic_local'): a training killed
# while saving leaves no truncated checkpoint
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, save_optimizer=False,
                    backend_args=dict(backend='atomic_local')),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='AnomalyVisualizationHook'))
