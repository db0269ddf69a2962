# CamVid with outlier objects pasted into the training crops; as synthroad_paste.py: style-aligned
# paste by default, `train_pipeline_plain` for the ablation.
_base_ = ['./camvid.py']
ood_bank_root = 'data/ood_bank/skimage'
crop_size = (240, 320)
paste_plain = dict(type='PasteOOD', bank_root=ood_bank_root, preset='eam', prob=0.5,
                   num_objects=(1, 2), size=(0.08, 0.35))
paste_style = dict(paste_plain, style=dict(type='lab'), blend_sigma=1.0)
train_pipeline_plain = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=11),
    dict(type='RandomResize', scale=(480, 360), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    paste_plain,
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
train_pipeline_style = train_pipeline_plain[:4] + [paste_style] + train_pipeline_plain[5:]
train_pipeline = train_pipeline_style
train_dataloader = dict(dataset=dict(pipeline=train_pipeline_style))
