# Outlier exposure for the brain-MRI MaxQuery model (after training it with
# maxquery_mnv2-m2f-lite_600_mni-brain-192x192.py): scikit-image photo objects, style-aligned to
# the grey slice (the Lab transfer removes their colour), pasted into training crops; RbA's
# squared hinge on the embedding heads. The test lesions come from another generator
# (data_prep/medical_lesions.py), never from the bank.
_base_ = ['./maxquery_mnv2-m2f-lite_600_mni-brain-192x192.py']
crop_size = (192, 192)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(233, 197), ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='PasteOOD', bank_root='data/ood_bank/skimage', preset='eam', prob=0.5,
         num_objects=(1, 2), size=(0.05, 0.2), style=dict(type='lab'), blend_sigma=1.0),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]))
model = dict(
    outlier_losses=[dict(type='RbAOutlierLoss', inlier_margin=0.0, outlier_margin=5.0)],
    trainable=['decode_head.cls_embed', 'decode_head.mask_embed'])
optimizer = dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.05)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer,
                     clip_grad=dict(max_norm=0.01, norm_type=2))
param_scheduler = [dict(type='PolyLR', eta_min=0, power=0.9, begin=0, end=300, by_epoch=False)]
train_cfg = dict(max_iters=300, val_interval=300)
default_hooks = dict(checkpoint=dict(interval=300))
load_from = 'work_dirs/maxquery_mnv2-m2f-lite_600_mni-brain-192x192/iter_600.pth'
