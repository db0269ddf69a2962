# SynthRoad with outlier objects pasted into the training crops (outlier exposure). The bank comes
# from `python data_prep/ood_bank.py skimage --out data/ood_bank/skimage` (no download).
# Defaults: style-aligned paste (Lab colour-statistics transfer + a 1-pixel feathered edge);
# configs named *-plainpaste_* use `train_pipeline_plain`, the ablation without alignment.
_base_ = ['./synthroad.py']
ood_bank_root = 'data/ood_bank/skimage'
crop_size = (256, 256)
paste_plain = dict(type='PasteOOD', bank_root=ood_bank_root, preset='eam', prob=0.5,
                   num_objects=(1, 2), size=(0.08, 0.35))
paste_style = dict(paste_plain, style=dict(type='lab'), blend_sigma=1.0)
train_pipeline_plain = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=9),
    dict(type='RandomResize', scale=(512, 256), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    paste_plain,
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
train_pipeline_style = train_pipeline_plain[:4] + [paste_style] + train_pipeline_plain[5:]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline_style))
