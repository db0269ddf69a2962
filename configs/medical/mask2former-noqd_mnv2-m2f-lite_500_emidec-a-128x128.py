# Ablation of MaxQuery's query-distribution loss: the same training without it.
_base_ = ['./maxquery_mnv2-m2f-lite_500_emidec-a-128x128.py']
model = dict(outlier_losses=[])
