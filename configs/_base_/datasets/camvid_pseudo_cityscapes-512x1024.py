# CamVid frames labelled in the 19-class Cityscapes label space by a Cityscapes model
# (data_prep/pseudo_labels.py): the teacher's prediction, replaced by CamVid's own label where a
# CamVid class maps to exactly one Cityscapes class (CAMVID_TO_CITYSCAPES). Trains a student in
# the label space every anomaly benchmark assumes, without Cityscapes and without any anomaly-set
# frame. Scale as camvid_cityscapes-512x1024.py (CamVid resized to 1024x512); test: CamVid val
# through the Cityscapes -> CamVid class mapping. Build the labels first:
#   python data_prep/pseudo_labels.py \
#       configs/efficientvit/efficientvit_b0_released_camvid-1024x2048.py \
#       checkpoints/cityscapes/efficientvit.pth $ANOMSEG_SHARED/data/CamVid/train \
#       --labels $ANOMSEG_SHARED/data/CamVid/trainannot --label-map camvid_to_cityscapes \
#       --void 11 --out data/pseudo_labels/camvid-train_efficientvit-b0
_base_ = ['./camvid_cityscapes-512x1024.py']
pseudo_labels = '{{ fileDirname }}/../../../data/pseudo_labels/camvid-train_efficientvit-b0'
crop_size = (384, 384)
train_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='RandomResize', scale=(1024, 512), ratio_range=(0.75, 1.25), keep_ratio=False),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
# the same crops with camvid_paste.py's objects pasted in, for outlier fine-tuning
train_pipeline_plain = train_pipeline[:4] + [{{_base_.paste_plain}}] + train_pipeline[4:]
train_pipeline_style = train_pipeline[:4] + [{{_base_.paste_style}}] + train_pipeline[4:]
train_dataloader = dict(
    batch_size=4, num_workers=2,
    dataset=dict(_delete_=True, type='CityscapesDataset', data_root={{_base_.data_root}},
                 data_prefix=dict(img_path='train', seg_map_path=pseudo_labels),
                 img_suffix='.jpg', seg_map_suffix='.png', pipeline=train_pipeline))
