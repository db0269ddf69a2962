# EMIDEC cardiac MRI slices, setting A (unseen lesion type): inliers background / cavity /
# myocardium / infarct, trained only on patients without no-reflow; the anomaly is no-reflow in
# the test patients. Split by patient: data_prep/splits/emidec (python data_prep/emidec.py split,
# seed 0). Anomaly metrics over the heart (labels 1-4 grown by 5 px) and over the whole slice.
dataset_type = 'EmidecDataset'
data_root = '{{$ANOMSEG_SHARED:../shared}}/data/medical/emidec'
split_dir = 'data_prep/splits/emidec'
metainfo = dict(classes=('background', 'cavity', 'myocardium', 'infarct'),
                palette=[[0, 0, 0], [220, 20, 60], [70, 130, 180], [255, 215, 0]])
# the heart's classes (cavity, myocardium, infarct); setting B has no class 3, its infarct is
# anomaly, which the heart region and the crops hold anyway
heart_classes = (1, 2, 3)
exclude_patients_with = (4, )                # training patients: none with no-reflow
crop_size = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=4),
    dict(type='RandomResize', scale=(256, 256), ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomCropNearClasses', crop_size=crop_size, classes=heart_classes, prob=0.8),
    dict(type='RandomFlip', prob=0.5, direction=['horizontal', 'vertical']),
    dict(type='PackSegInputs'),
]
# the same on 256x256 crops, whole slices (configs *-256x256.py)
whole_slice_pipeline = train_pipeline[:3] + [
    dict(type='RandomCropNearClasses', crop_size=(256, 256), classes=heart_classes, prob=0.8)
] + train_pipeline[4:]
val_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=4),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=4),
    # the anomaly is what the classes leave out (the dataset's anomaly_label_map)
    dict(type='LoadAnomalyAnnotations', path_key='seg_map_path'),
    dict(type='AnomalyRegionOfInterest', classes=heart_classes, dilate=5),
    dict(type='PackAnomalySegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split_file=f'{split_dir}/train.txt',
                 exclude_patients_with=exclude_patients_with, metainfo=metainfo,
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=1,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split_file=f'{split_dir}/val.txt',
                 metainfo=metainfo, pipeline=val_pipeline))
test_dataloader = dict(
    val_dataloader,
    dataset=dict(type=dataset_type, data_root=data_root, split_file=f'{split_dir}/test.txt',
                 metainfo=metainfo, pipeline=test_pipeline))
# volumes for tools/infer.py as data_prep/emidec.py cuts the slices: short-axis slices along
# the third axis, the volume's 0.5 / 99.5 percentiles to 8 bits, a centred square of 256 px
volume_slicing = dict(picture='square', size=256, axis=2)
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
# Over the heart: pixel, SMIYC-binned and SMIYC-style component metrics (predicted components
# under 10 px and labelled ones under 5 px left out: 256x256 slices; SMIYC's 50 / 10 px are for
# 2048x1024 frames); over the whole slice: the exact pixel metrics.
test_evaluator = [
    dict(type='AnomalyMetric', prefix='heart', gt_key='gt_anomaly_roi', components=(10, 5),
         unit_map='arctan'),
    dict(type='AnomalyMetric', prefix='slice', semantic=False),  # Dice: heart/ has it
    # Per patient (slices stacked by their Case_*_sliceNNN names): does the patient have a
    # lesion (the 0.99 quantile of the scores inside the predicted heart, grown by 5 px), and
    # which lesions were found (3D components, BraTS 2023 matching with 1 voxel of tolerance,
    # lesions and predicted components under 10 voxels left out, a detection held to an IoU of
    # 0.1 so that one blob over the heart does not find every lesion) at the best-F1 threshold
    # of the heart's pixels.
    dict(type='PatientMetric', organ_classes=heart_classes, organ_margin=5,
         gt_key='gt_anomaly_roi', min_lesion_voxels=10, min_pred_voxels=10,
         lesion_min_iou=0.1),
]
