# Brain-MRI slices with synthetic test lesions (`python data_prep/mni_brain.py --out
# data/mni_brain`): classes for training, lesions (anomaly) on the held-out test block.
dataset_type = 'MedicalSliceDataset'
data_root = 'data/mni_brain'
metainfo = dict(classes=('background', 'grey matter', 'white matter', 'other'),
                palette=[[0, 0, 0], [128, 128, 128], [255, 255, 255], [70, 130, 180]])
crop_size = (192, 192)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(233, 197), ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
anomaly_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadAnomalyAnnotations', path_key='anomaly_map_path'),
    dict(type='PackAnomalySegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train', metainfo=metainfo,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', metainfo=metainfo,
                 pipeline=test_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(type=dataset_type, data_root=data_root, split='test', anomaly=True,
                 metainfo=metainfo, pipeline=anomaly_test_pipeline))
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = dict(type='AnomalyMetric')
