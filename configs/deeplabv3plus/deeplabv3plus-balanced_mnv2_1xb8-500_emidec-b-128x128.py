# Setting B's per-pixel baseline with class-balanced cross-entropy: the one change against
# deeplabv3plus_mnv2_1xb8-500_emidec-b-128x128.py, which settles on background everywhere.
# Weights by median-frequency balancing (Eigen & Fergus, ICCV 2015) of the training patients'
# pixels (background 97.3%, cavity 1.5%, myocardium 1.2%), background raised from 0.015 to 0.1
# since the training crops lie near the heart (docs/medical.md). anomseg's loss: mmseg's
# CrossEntropyLoss(class_weight=...) fails on the ignored lesion pixels.
_base_ = ['./deeplabv3plus_mnv2_1xb8-500_emidec-b-128x128.py']
model = dict(decode_head=dict(loss_decode=[
    dict(type='WeightedCrossEntropyLoss', class_weight=[0.1, 1.0, 1.2]),
    dict(type='DiceLoss', use_sigmoid=False, loss_weight=1.0)]))
