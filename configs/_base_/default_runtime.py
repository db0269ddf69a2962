default_scope = 'mmseg'
# anomseg.runtime: the allow-listed checkpoint loader and the atomic file backend (see there)
custom_imports = dict(imports=['anomseg', 'anomseg.runtime'], allow_failed_imports=False)
env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='SegLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
# `tools/test.py --tta`: mmseg's test-time augmentation, anomaly maps averaged over the views.
tta_model = dict(type='AnomalySegTTAModel')
# Seeded, so that a run can be repeated; `--cfg-options randomness.seed=N` for other seeds.
randomness = dict(seed=0)
# CheckpointFitHook: a checkpoint that does not fit the model is refused, naming its tensors
# (fine-tuning configs set fine_tuning=True); RandomStateHook: a resumed training ends with the
# weights of an uninterrupted one; TrimHeapHook: evaluating thousands of full-size frames runs in
# nearly flat memory (the C heap's free pages go back to the OS every 10 test / validation
# iterations).
custom_hooks = [dict(type='CheckpointFitHook'), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
