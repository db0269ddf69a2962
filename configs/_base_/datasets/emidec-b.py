# EMIDEC cardiac MRI slices, setting B (organ model, every lesion unknown): inliers background /
# cavity / myocardium; infarct and no-reflow, the labels these classes leave out, are the anomaly.
# Training patients keep their lesions as ignored pixels (255); configs/medical/*emidec-b-normal*
# leave those patients out instead (the measured choice is in docs/medical.md). Otherwise as
# setting A (emidec-a.py).
_base_ = ['./emidec-a.py']
metainfo = dict(classes=('background', 'cavity', 'myocardium'),
                palette=[[0, 0, 0], [220, 20, 60], [70, 130, 180]])
train_dataloader = dict(dataset=dict(exclude_patients_with=(), metainfo=metainfo))
val_dataloader = dict(dataset=dict(metainfo=metainfo))
test_dataloader = dict(dataset=dict(metainfo=metainfo))
