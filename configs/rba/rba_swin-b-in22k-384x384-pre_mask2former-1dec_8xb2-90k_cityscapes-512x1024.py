# RbA (Nayal et al., ICCV 2023) on Swin-B: Mask2Former with a single transformer decoder layer,
# the variant RbA reports to give the best outlier scores; RbA scoring first.
_base_ = ['../mask2former/mask2former_swin-b-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024.py']
model = dict(
    decode_head=dict(transformer_decoder=dict(num_layers=1)),
    test_cfg=dict(scorer=['rba', 'msp', 'max_logit', 'energy']))
# anomseg's run settings on top of mmseg's base: checkpoints that must fit, exact resume, atomic
# checkpoint writes (the backend comes with anomseg.runtime)
custom_hooks = [dict(type='CheckpointFitHook'), dict(type='RandomStateHook'),
                dict(type='TrimHeapHook')]
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
