# The released ERFNet Cityscapes model (72.2 mIoU on val), converted:
#   python tools/model_converters/erfnet2mmseg.py \
#       $ANOMSEG_SHARED/weights/erfnet_cityscapes.pth checkpoints/erfnet_cityscapes_mmseg.pth
#   python tools/test.py THIS_CONFIG checkpoints/erfnet_cityscapes_mmseg.pth \
#       --benchmark RoadAnomaly --benchmark-root $ANOMSEG_SHARED/data/RoadAnomaly_jpg
# The published anomaly table's protocol (softmax over all 20 channels, frames with anomalies
# only, labels at 1024x512): add `--protocol published` (docs/model_zoo.md).
_base_ = [
    '../_base_/models/erfnet_cityscapes.py', '../_base_/datasets/cityscapes-512x1024.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_1k.py'
]
