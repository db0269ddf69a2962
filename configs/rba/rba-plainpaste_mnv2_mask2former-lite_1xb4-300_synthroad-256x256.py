# Ablation: RbA fine-tuning with plain paste (no style alignment, hard edges).
_base_ = ['./rba_mnv2_mask2former-lite_1xb4-300_synthroad-256x256.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_plain}}))
