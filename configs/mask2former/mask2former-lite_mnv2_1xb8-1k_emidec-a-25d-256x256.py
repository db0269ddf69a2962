# Setting A's whole-slice Mask2Former-lite with 2.5D input: each slice with the slices either
# side of it (same patient) as its three channels (LoadSliceStack, training and test), the rest
# as mask2former-lite_mnv2_1xb8-1k_emidec-a-256x256.py, against which docs/medical.md measures
# it. tools/infer.py stacks a volume's slices the same way.
_base_ = ['./mask2former-lite_mnv2_1xb8-1k_emidec-a-256x256.py']
load_slice_stack = [dict(type='LoadSliceStack')]
train_dataloader = dict(
    dataset=dict(pipeline=load_slice_stack + _base_.whole_slice_pipeline[1:]))
val_dataloader = dict(dataset=dict(pipeline=load_slice_stack + _base_.val_pipeline[1:]))
test_dataloader = dict(dataset=dict(pipeline=load_slice_stack + _base_.test_pipeline[1:]))
