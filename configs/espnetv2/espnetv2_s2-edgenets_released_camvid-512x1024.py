# The released ESPNetv2 Cityscapes model (checkpoints/cityscapes/espnetv2.pth, the converted
# weights in float16) on CamVid val through the Cityscapes -> CamVid class mapping, the
# closed-set reference of its outlier fine-tunings.
_base_ = [
    '../_base_/models/espnetv2_cityscapes.py', '../_base_/datasets/camvid_cityscapes-512x1024.py',
    '../_base_/default_runtime.py'
]
load_from = 'checkpoints/cityscapes/espnetv2.pth'
train_dataloader = None  # released weights: nothing to train here
test_cfg = dict(type='TestLoop')
default_hooks = dict(visualization=dict(type='AnomalyVisualizationHook'))
published_protocol = dict(use_void_channel=False)
