# RPL + CoroCL on the CamVid Mask2Former-lite
# (`python tools/train.py configs/mask2former/mask2former-lite_mnv2_1xb4-1k_camvid-240x320.py`): the
# whole Mask2Former is frozen; the residual, an ASPP over the backbone's stride-32 features, is
# added to the pixel decoder's finest encoder level (stride 8), which the queries' cross attention
# and the mask features read. The RPL losses and scorers take z_k = log L_k of the class scores
# L_k as logits; energy, -log sum_k L_k, is the method's score. Same schedule, paste and residual
# module as the DeepLabV3+ RPL config.
_base_ = [
    '../_base_/models/mask2former-lite_mnv2.py', '../_base_/datasets/camvid_paste.py',
    '../_base_/default_runtime.py', '../_base_/schedules/schedule_finetune_300.py'
]
crop_size = (240, 320)
model = dict(
    type='RPLEncoderDecoder',
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11, loss_cls=dict(class_weight=[1.0] * 11 + [0.1])),
    residual_module=dict(type='RPLResidualModule', in_channels=320, in_index=3,
                         out_channels=128, channels=128, dilations=(1, 3, 6, 9),
                         proj_channels=128, norm_cfg=dict(type='BN', requires_grad=True)),
    residual_at='pixel_decoder.encoder',
    class_logits='log_scores',
    rpl_loss=dict(type='RPLLoss'),
    corocl=dict(type='CoroCLLoss', temperature=0.1, max_per_group=512),
    test_cfg=dict(mode='whole', scorer=['energy', 'rba', 'msp', 'max_logit', 'entropy',
                                        'mask2anomaly', 'eam', 'maxquery']))
optim_wrapper = dict(optimizer=dict(lr=1e-3), clip_grad=None)
load_from = 'work_dirs/mask2former-lite_mnv2_1xb4-1k_camvid-240x320/iter_1000.pth'
default_hooks = dict(visualization=dict(score_range=(-1.0, 3.0)))  # -log sum_k L_k
# fine-tuning from load_from: its base model may lack this config's new modules
custom_hooks = [dict(type='CheckpointFitHook', fine_tuning=True), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
