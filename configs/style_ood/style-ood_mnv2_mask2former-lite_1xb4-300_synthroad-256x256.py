# The style-aligned OoD fine-tuning of Zhang et al. (ICCV 2023 workshops) on the quickstart
# Mask2Former-lite: style-aligned paste, and the "none of the given classes" loss on outlier
# pixels (every L_k pushed to 0) beside Mask2Former's own losses; the class and mask embedding
# heads train. Its anomaly score is -max_k L_k (scorer max_logit), listed first.
_base_ = ['../rba/rba_mnv2_mask2former-lite_1xb4-300_synthroad-256x256.py']
model = dict(
    outlier_losses=[dict(type='NoneOfKnownLoss', loss_weight=1.0)],
    test_cfg=dict(scorer=['max_logit', 'rba', 'msp', 'energy', 'maxquery']))
default_hooks = dict(visualization=dict(score_range=(-1.0, 0.0)))
