# The released ERFNet Cityscapes model (checkpoints/cityscapes/erfnet.pth, the converted weights in
# float16) on CamVid val through the Cityscapes -> CamVid class mapping, the closed-set reference
# of its outlier fine-tunings. `--benchmark` tests it as the released config does.
_base_ = [
    '../_base_/models/erfnet_cityscapes.py', '../_base_/datasets/camvid_cityscapes-512x1024.py',
    '../_base_/default_runtime.py'
]
load_from = 'checkpoints/cityscapes/erfnet.pth'
train_dataloader = None  # released weights: nothing to train here
test_cfg = dict(type='TestLoop')
default_hooks = dict(visualization=dict(type='AnomalyVisualizationHook'))
