# CamVid frames for Cityscapes-trained models (ERFNet, ESPNetv2; trained at 1024x512): outlier
# fine-tuning on CamVid train with camvid_paste.py's pasted objects, closed-set accuracy on CamVid
# val.
# - Scale: CamVid's 480x360 frames resized to 1024x512 (no aspect kept), as the anomaly frames are
#   in these models' protocol (cityscapes-512x1024.py). Measured on CamVid val (every 5th frame,
#   classes mapped), mIoU ERFNet / ESPNetv2: 59.0 / 61.4 at 1024x512, 56.8 / 57.3 at 640x480,
#   54.0 / 57.9 at 768x576, 35.4 / 49.9 at 1024x768.
# - Labels: CamVidCityscapesDataset gives CamVid's classes as Cityscapes train ids; classes that
#   span two Cityscapes classes are ignored (anomseg/datasets/camvid.py).
# - Test: CamVid val with the predictions mapped to CamVid's 11 classes (MappedIoUMetric).
_base_ = ['./camvid_paste.py']
scale = (1024, 512)
crop_size = (512, 512)
train_pipeline_plain = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='RandomResize', scale=scale, ratio_range=(0.75, 1.25), keep_ratio=False),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    {{_base_.paste_plain}},
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
train_pipeline_style = train_pipeline_plain[:4] + [{{_base_.paste_style}}] + \
    train_pipeline_plain[5:]
test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='Resize', scale=scale, keep_ratio=False, backend='pillow'),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='PackSegInputs'),
]
train_pipeline = train_pipeline_style
tta_pipeline = [  # the test scale, flipped and not
    dict(type='LoadImageFromFileChecked'),
    dict(type='TestTimeAug',
         transforms=[[test_pipeline[1]],
                     [dict(type='RandomFlip', prob=0., direction='horizontal'),
                      dict(type='RandomFlip', prob=1., direction='horizontal')],
                     [test_pipeline[2]], [test_pipeline[3]]]),
]
train_dataloader = dict(batch_size=8, num_workers=4,
                        dataset=dict(type='CamVidCityscapesDataset',
                                     pipeline=train_pipeline_style))
test_dataloader = dict(
    num_workers=2,
    dataset=dict(data_prefix=dict(img_path='val', seg_map_path='valannot'),
                 pipeline=test_pipeline))
test_evaluator = dict(type='MappedIoUMetric', pred_map='cityscapes_to_camvid')
# fine-tuning keeps its last checkpoint: nothing is picked on a validation set
val_dataloader = None
val_evaluator = None
val_cfg = None
