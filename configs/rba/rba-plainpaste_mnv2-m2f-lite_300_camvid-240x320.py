# Ablation: RbA fine-tuning on CamVid with plain paste.
_base_ = ['./rba_mnv2-m2f-lite_300_camvid-240x320.py']
train_dataloader = dict(dataset=dict(pipeline={{_base_.train_pipeline_plain}}))
