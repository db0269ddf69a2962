# Ablation: RbA fine-tuning of the EfficientViT-B0 Mask2Former-lite with plain paste.
_base_ = ['./rba_efficientvit-b0_mask2former-lite_1xb4-300_camvid-pseudo-384x384.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_plain}}))
