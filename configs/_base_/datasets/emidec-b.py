# EMIDEC cardiac MRI slices, setting B (organ model, every lesion unknown): inliers background /
# cavity / myocardium; infarct and no-reflow are the anomaly. Training patients keep their
# lesions as ignored pixels (255); configs/medical/*emidec-b-normal* leave those patients out
# instead (the measured choice is in docs/medical.md). Otherwise as setting A (emidec-a.py).
_base_ = ['./emidec-a.py']
metainfo = dict(classes=('background', 'cavity', 'myocardium'),
                palette=[[0, 0, 0], [220, 20, 60], [70, 130, 180]])
anomaly_label_map = {1: 0, 2: 0, 3: 1, 4: 1}
heart_classes = (1, 2)
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(256, 256), ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomCropNearClasses', crop_size=crop_size, classes=heart_classes, prob=0.8),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='LoadAnomalyAnnotations', path_key='seg_map_path', label_map=anomaly_label_map),
    dict(type='AnomalyRegionOfInterest', classes=heart_classes, dilate=5),
    dict(type='PackAnomalySegInputs'),
]
train_dataloader = dict(dataset=dict(exclude_patients_with=(), metainfo=metainfo,
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(metainfo=metainfo))
test_dataloader = dict(dataset=dict(metainfo=metainfo, pipeline=test_pipeline))
