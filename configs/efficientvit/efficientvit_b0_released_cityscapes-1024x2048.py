# The released EfficientViT-Seg-B0 Cityscapes model (mit-han-lab/efficientvit, 75.65 mIoU on
# Cityscapes val at 1024x2048), converted:
#   python tools/model_converters/efficientvit2mmseg.py \
#       $ANOMSEG_SHARED/weights/efficientvit_seg_b0_cityscapes.pt work_dirs/efficientvit_mmseg.pth
#   python tools/test.py THIS_CONFIG work_dirs/efficientvit_mmseg.pth \
#       --benchmark FishyscapesStatic --benchmark-root $ANOMSEG_SHARED/data/fs_static
# Tested at the authors' scale: every frame resized to 2048x1024 (W x H), logits at stride 8
# upsampled bicubically, scores resized back to the labels' resolution.
_base_ = [
    '../_base_/models/efficientvit-b0_cityscapes.py', '../_base_/datasets/cityscapes-512x1024.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
test_pipeline = [
    dict(type='LoadImageFromFileChecked'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=False, backend='pillow'),
    dict(type='LoadAnnotationsChecked', num_classes=19),
    dict(type='PackSegInputs'),
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
