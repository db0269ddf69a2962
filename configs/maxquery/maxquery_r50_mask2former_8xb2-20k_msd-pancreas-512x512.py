# MaxQuery on MSD Task07 Pancreas (GPU): as the liver config, with the pancreas as inlier and its
# tumours (label 2) as anomalies. Slices:
#   python data_prep/msd.py --task data/Task07_Pancreas --out data/msd_pancreas --inlier 1:1 \
#       --anomaly 2 --classes background pancreas --window 40 400 --spacing 0.8 --roi organ
_base_ = ['./maxquery_r50_mask2former_8xb2-20k_msd-liver-512x512.py']
data_root = 'data/msd_pancreas'
metainfo = dict(classes=('background', 'pancreas'), palette=[[0, 0, 0], [255, 255, 255]])
train_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
volume_slicing = dict(window=(40, 400))
