import os.path as osp

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .anomaly_frames import ANOMALY_METAINFO
from .checks import check_data_root


@DATASETS.register_module()
class SMIYCDataset(BaseSegDataset):
    """Anomaly frames in the SegmentMeIfYouCan layout: ``images/NAME{img_suffix}`` with
    ``labels_masks/NAME_labels_semantic.png`` (0 inlier, 1 anomaly, 255 void).

    Used for SMIYC AnomalyTrack / ObstacleTrack, the normalised layout of ``data_prep/
    anomaly_benchmarks.py`` and SynthRoad's anomaly and sequence splits. Load the labels with
    ``LoadAnomalyAnnotations``: they become ``gt_anomaly``, not ``gt_sem_seg``. A frame's
    ``labels_masks/NAME_instanceIds.png`` (OoDIS / Cityscapes style: ids >= 1000 are instances),
    where present, is its instance ground truth.
    """
    METAINFO = ANOMALY_METAINFO

    def __init__(self, img_suffix='.jpg', seg_map_suffix='_labels_semantic.png',
                 data_prefix=dict(img_path='images', seg_map_path='labels_masks'), **kwargs):
        check_data_root(dict(kwargs, data_prefix=data_prefix), 'the SMIYC layout (see README.md)')
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         data_prefix=data_prefix, **kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        for info in data_list:
            path = info['seg_map_path'][:-len(self.seg_map_suffix)] + '_instanceIds.png'
            if osp.isfile(path):
                info['instance_map_path'] = path
        return data_list
