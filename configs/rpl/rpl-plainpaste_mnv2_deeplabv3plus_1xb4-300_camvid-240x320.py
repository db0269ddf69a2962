# Ablation: RPL on CamVid with plain paste.
_base_ = ['./rpl_mnv2_deeplabv3plus_1xb4-300_camvid-240x320.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_plain}}))
