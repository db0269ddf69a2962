# Cityscapes (mmseg's dataset settings, data/cityscapes) tested at 1024x512, the resolution the
# released real-time Cityscapes models (ERFNet, ESPNetv2) were trained and tested at. Every frame
# is resized to exactly 1024x512 with PIL's bilinear filter, as those models' own evaluation code
# does, whatever its size and aspect (RoadAnomaly's 1280x720 too); scores are resized back to
# the label's resolution.
_base_ = ['mmseg::_base_/datasets/cityscapes.py', './cityscapes_checked.py']
train_pipeline = _base_.checked_loading + _base_.train_pipeline[2:]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
tta_pipeline = _base_.checked_tta_pipeline
test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='Resize', scale=(1024, 512), keep_ratio=False, backend='pillow'),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='PackSegInputs'),
]
val_dataloader = dict(batch_size=1, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
