# Ablation: RPL on the CamVid Mask2Former-lite with the class scores L_k themselves as the logits
# (the first design: the bounded scores keep the inlier cross-entropy near log K, see
# RPLEncoderDecoder); energy is then -logsumexp_k L_k.
_base_ = ['./rpl_mnv2_mask2former-lite_1xb4-300_camvid-240x320.py']
model = dict(class_logits='scores')
default_hooks = dict(visualization=dict(score_range=(-3.4, -2.4)))  # -logsumexp of 11 L_k
