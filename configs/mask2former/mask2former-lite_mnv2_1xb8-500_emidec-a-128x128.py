# Ablation of MaxQuery's query-distribution loss: the same training without it.
_base_ = ['../maxquery/maxquery_mnv2_mask2former-lite_1xb8-500_emidec-a-128x128.py']
model = dict(outlier_losses=[])
