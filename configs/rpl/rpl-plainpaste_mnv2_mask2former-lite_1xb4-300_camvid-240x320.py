# Ablation: RPL on the CamVid Mask2Former-lite with plain paste.
_base_ = ['./rpl_mnv2_mask2former-lite_1xb4-300_camvid-240x320.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_plain}}))
