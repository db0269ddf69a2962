# Ablation: RPL with plain paste (no style alignment, hard edges).
_base_ = ['./rpl_mnv2_deeplabv3plus_1xb4-300_synthroad-256x256.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_plain}}))
