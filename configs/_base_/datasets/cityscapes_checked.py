# mmseg's Cityscapes pipelines (mmseg::_base_/datasets/cityscapes.py, mmseg::mask2former's) with
# anomseg's checked loaders: a damaged image or label, or a label value that is neither one of
# the 19 classes nor 255, stops the run with one error naming the file. For configs built on
# mmseg's Cityscapes configs, beside them in `_base_`; their names are new keys, so nothing of
# mmseg's base is overridden until the config says so:
#   test_pipeline = _base_.checked_test_pipeline
#   val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
checked_loading = [dict(type='LoadImageFromFileChecked'),
                   dict(type='LoadAnnotationsChecked', num_classes=19)]
checked_test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=True),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='PackSegInputs')
]
checked_tta_pipeline = [
    dict(type='LoadImageFromFileChecked', backend_args=None),
    dict(type='TestTimeAug',
         transforms=[[dict(type='Resize', scale_factor=r, keep_ratio=True)
                      for r in (0.5, 0.75, 1.0, 1.25, 1.5, 1.75)],
                     [dict(type='RandomFlip', prob=0.0, direction='horizontal'),
                      dict(type='RandomFlip', prob=1.0, direction='horizontal')],
                     [dict(type='LoadAnnotationsChecked', num_classes=19)],
                     [dict(type='PackSegInputs')]])
]
