# The style-aligned OoD fine-tuning of Zhang et al. on the CamVid Mask2Former-lite: as the
# SynthRoad config, from the CamVid RbA config's model, data and schedule.
_base_ = ['../rba/rba_mnv2_mask2former-lite_1xb4-300_camvid-240x320.py']
model = dict(
    outlier_losses=[dict(type='NoneOfKnownLoss', loss_weight=1.0)],
    test_cfg=dict(scorer=['max_logit', 'rba', 'msp', 'energy', 'maxquery']))
default_hooks = dict(visualization=dict(score_range=(-1.0, 0.0)))
