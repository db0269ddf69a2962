# mmseg's
# mask2former_swin-b-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024
# with anomaly scoring: same parameters and state-dict keys, so mmseg's released checkpoint
# of this config loads unchanged.
_base_ = ['mmseg::mask2former/mask2former_swin-b-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024.py',
          '../_base_/datasets/cityscapes_checked.py']
custom_imports = dict(imports=['anomseg', 'anomseg.runtime'], allow_failed_imports=False)
model = dict(
    type='AnomalyEncoderDecoder',
    decode_head=dict(type='AnomalyMask2FormerHead'),
    test_cfg=dict(mode='whole', scorer=['rba', 'msp', 'max_logit', 'energy', 'mask2anomaly',
                                        'eam', 'maxquery']))
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')),
                     visualization=dict(_delete_=True, type='AnomalyVisualizationHook'))
tta_model = dict(type='AnomalySegTTAModel')  # mmseg's TTA, anomaly maps averaged over views
# anomseg's run settings on top of mmseg's base: checkpoints that must fit, exact resume
custom_hooks = [dict(type='CheckpointFitHook'), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
train_pipeline = _base_.checked_loading + _base_.train_pipeline[2:]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_pipeline = _base_.checked_test_pipeline  # mmseg's, with anomseg's checked loaders
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
tta_pipeline = _base_.checked_tta_pipeline
