# Energy-based outlier exposure of the CamVid DeepLabV3+ / MobileNetV2
# (`python tools/train.py configs/deeplabv3plus/deeplabv3plus_mnv2_1xb4-2k_camvid-240x320.py`): the
# decode head fine-tunes with cross-entropy plus 0.1 x the energy hinge. The margins are the
# SynthRoad model's; measure this model's inlier free energies first and place m_in near their
# median (see the SynthRoad config for how the margins trade AP against mIoU).
_base_ = [
    '../_base_/models/deeplabv3plus_mnv2.py', '../_base_/datasets/camvid_paste.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_300.py'
]
crop_size = (240, 320)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11),
    outlier_losses=[dict(type='EnergyOELoss', m_in=-5.0, m_out=-1.0, loss_weight=0.1)],
    trainable=['decode_head'],
    test_cfg=dict(mode='whole', scorer=['energy', 'msp', 'max_logit', 'entropy']))
optim_wrapper = dict(clip_grad=None)
load_from = 'work_dirs/deeplabv3plus_mnv2_1xb4-2k_camvid-240x320/iter_2000.pth'
default_hooks = dict(visualization=dict(score_range=(-20.0, 0.0)))  # energy
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
