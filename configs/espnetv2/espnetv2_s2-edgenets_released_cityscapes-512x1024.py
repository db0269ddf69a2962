# The released ESPNetv2 s=2.0 Cityscapes model (EdgeNets model zoo, 66.4 mIoU), converted:
#   python tools/model_converters/espnetv2_2mmseg.py \
#       $ANOMSEG_SHARED/weights/espnetv2_s_2.0_city_1024x512.pth work_dirs/espnetv2_mmseg.pth
#   python tools/test.py THIS_CONFIG work_dirs/espnetv2_mmseg.pth \
#       --benchmark FishyscapesStatic --benchmark-root $ANOMSEG_SHARED/data/fs_static
_base_ = [
    '../_base_/models/espnetv2_cityscapes.py', '../_base_/datasets/cityscapes-512x1024.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
