# Energy-bounded outlier exposure (Liu et al., NeurIPS 2020) of the released ERFNet Cityscapes
# model on CamVid frames with style-aligned pasted objects: ERFNet's decoder and classifier
# fine-tune with cross-entropy on CamVid's labels as Cityscapes ids plus 0.1 x the energy hinge;
# the encoder stays frozen. Margins from the model's own free energies on CamVid train inliers
# at 1024x512 (percentiles 5/25/50/75/95: -9.9 / -9.2 / -8.5 / -7.4 / -4.8, measured on every
# 25th frame): m_in at their median, m_out at their 95th percentile.
_base_ = [
    '../_base_/models/erfnet_cityscapes.py', '../_base_/datasets/camvid_cityscapes-512x1024.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_500.py'
]
model = dict(
    outlier_losses=[dict(type='EnergyOELoss', m_in=-8.5, m_out=-4.5, loss_weight=0.1)],
    trainable=['backbone.decoder', 'decode_head'],
    test_cfg=dict(mode='whole', scorer=['energy', 'msp', 'max_logit', 'entropy']))
load_from = 'checkpoints/cityscapes/erfnet.pth'
default_hooks = dict(visualization=dict(score_range=(-20.0, 0.0)))  # energy
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
