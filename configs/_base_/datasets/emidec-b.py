# EMIDEC cardiac MRI slices, setting B (organ model, every lesion unknown): inliers background /
# cavity / myocardium; infarct and no-reflow, the labels these classes leave out, are the anomaly.
# Training patients keep their lesions as ignored pixels (255); configs/maxquery/*emidec-b-normal*
# leave those patients out instead (the measured choice is in docs/medical.md). Otherwise as
# setting A (emidec-a.py).
_base_ = ['./emidec-a.py']
metainfo = dict(classes=('background', 'cavity', 'myocardium'),
                palette=[[0, 0, 0], [220, 20, 60], [70, 130, 180]])
# setting A's pipelines, the labels checked against these three classes
load_labels = dict(type='LoadAnnotationsChecked', num_classes=3)
train_pipeline = _base_.train_pipeline[:1] + [load_labels] + _base_.train_pipeline[2:]
whole_slice_pipeline = (_base_.whole_slice_pipeline[:1] + [load_labels] +
                        _base_.whole_slice_pipeline[2:])
val_pipeline = _base_.val_pipeline[:1] + [load_labels] + _base_.val_pipeline[2:]
test_pipeline = _base_.test_pipeline[:1] + [load_labels] + _base_.test_pipeline[2:]
train_dataloader = dict(dataset=dict(exclude_patients_with=(), metainfo=metainfo,
                                     pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(metainfo=metainfo, pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(metainfo=metainfo, pipeline=test_pipeline))
