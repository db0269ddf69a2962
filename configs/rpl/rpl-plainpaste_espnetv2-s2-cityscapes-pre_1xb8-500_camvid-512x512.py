# Ablation: RPL on the ESPNetv2 Cityscapes model with plain paste.
_base_ = ['./rpl_espnetv2-s2-cityscapes-pre_1xb8-500_camvid-512x512.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_plain}}))
