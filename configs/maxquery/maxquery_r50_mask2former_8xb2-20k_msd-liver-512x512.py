# MaxQuery on MSD Task03 Liver (GPU): mmseg's Mask2Former R50 trained on liver CT slices (inlier:
# liver) with the QD loss beside Mask2Former's losses; the tumours (label 2) are the anomalies,
# scored inside the liver region. Slices (MedicalSliceDataset layout):
#   python data_prep/msd.py --task data/Task03_Liver --out data/msd_liver --inlier 1:1 \
#       --anomaly 2 --classes background liver --window 60 400 --spacing 0.8 --roi organ
_base_ = ['mmseg::mask2former/mask2former_r50_8xb2-90k_cityscapes-512x1024.py']
custom_imports = dict(imports=['anomseg', 'anomseg.runtime'], allow_failed_imports=False)
num_classes = 2
crop_size = (512, 512)
data_root = 'data/msd_liver'
metainfo = dict(classes=('background', 'liver'), palette=[[0, 0, 0], [255, 255, 255]])
model = dict(
    type='AnomalyEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(type='AnomalyMask2FormerHead', num_classes=num_classes,
                     loss_cls=dict(class_weight=[1.0] * num_classes + [0.1])),
    outlier_losses=[dict(type='QueryDistributionLoss', num_classes=num_classes)],
    test_cfg=dict(mode='whole', scorer=['maxquery', 'rba', 'msp']))
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=2),
    dict(type='RandomResize', scale=(512, 512), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.95),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=2),
    dict(type='PackSegInputs'),
]
anomaly_test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=2),
    dict(type='LoadAnomalyAnnotations', path_key='anomaly_map_path'),
    dict(type='PackAnomalySegInputs'),
]
train_dataloader = dict(dataset=dict(
    _delete_=True, type='MedicalSliceDataset', data_root=data_root, split='train',
    metainfo=metainfo, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    _delete_=True, type='MedicalSliceDataset', data_root=data_root, split='val',
    metainfo=metainfo, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(
    _delete_=True, type='MedicalSliceDataset', data_root=data_root, split='test', anomaly=True,
    metainfo=metainfo, pipeline=anomaly_test_pipeline))
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
# pixel metrics, then per patient (the slices of a case, CASE_ZZZZ.png): the 0.99 quantile of
# the scores inside the predicted liver, and tumours as 3D components (BraTS 2023 matching)
test_evaluator = [dict(type='AnomalyMetric'),
                  dict(type='PatientMetric', organ_classes=(1, ), organ_margin=5)]
# volumes for tools/infer.py as data_prep/msd.py cut the training slices (--window, --spacing)
volume_slicing = dict(picture='radiological', canonical=True, window=(60, 400), spacing=0.8)
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=20000,
                        by_epoch=False)]
train_cfg = dict(max_iters=20000, val_interval=2000)
default_hooks = dict(checkpoint=dict(by_epoch=False, interval=2000,
                                     backend_args=dict(backend='atomic_local')),
                     visualization=dict(_delete_=True, type='AnomalyVisualizationHook'))
tta_pipeline = [  # flipped and not (mmseg's base has Cityscapes' views)
    dict(type='LoadImageFromFileChecked'),
    dict(type='TestTimeAug',
         transforms=[[dict(type='RandomFlip', prob=0., direction='horizontal'),
                      dict(type='RandomFlip', prob=1., direction='horizontal')],
                     [test_pipeline[1]], [test_pipeline[2]]]),
]
tta_model = dict(type='AnomalySegTTAModel')
# anomseg's run settings on top of mmseg's base: checkpoints that must fit, exact resume
custom_hooks = [dict(type='CheckpointFitHook'), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
