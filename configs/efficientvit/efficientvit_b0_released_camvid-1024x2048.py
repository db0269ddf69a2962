# The released EfficientViT-Seg-B0 Cityscapes model (checkpoints/cityscapes/efficientvit.pth, the
# converted weights in float16) on CamVid val through the Cityscapes -> CamVid class mapping.
# `--benchmark` tests it at the same scale: every frame resized to 2048x1024 (W x H), as the
# authors test Cityscapes.
_base_ = [
    '../_base_/models/efficientvit-b0_cityscapes.py',
    '../_base_/datasets/camvid_cityscapes-512x1024.py', '../_base_/default_runtime.py'
]
load_from = 'checkpoints/cityscapes/efficientvit.pth'
train_dataloader = None  # released weights: nothing to train here
test_cfg = dict(type='TestLoop')
default_hooks = dict(visualization=dict(type='AnomalyVisualizationHook'))
test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=False, backend='pillow'),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='PackSegInputs'),
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
tta_pipeline = [  # the test scale, flipped and not
    dict(type='LoadImageFromFileChecked'),
    dict(type='TestTimeAug',
         transforms=[[test_pipeline[1]],
                     [dict(type='RandomFlip', prob=0., direction='horizontal'),
                      dict(type='RandomFlip', prob=1., direction='horizontal')],
                     [test_pipeline[2]], [test_pipeline[3]]]),
]
