# Ablation of the MaxQuery config: the same training without the query-distribution loss.
_base_ = ['./maxquery_mnv2-m2f-lite_600_mni-brain-192x192.py']
model = dict(outlier_losses=[])
