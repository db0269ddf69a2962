from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .checks import check_data_root


@DATASETS.register_module()
class SMIYCDataset(BaseSegDataset):
    """Anomaly frames in the SegmentMeIfYouCan layout: ``images/NAME{img_suffix}`` with
    ``labels_masks/NAME_labels_semantic.png`` (0 inlier, 1 anomaly, 255 void).

    Used for SMIYC AnomalyTrack / ObstacleTrack and SynthRoad's anomaly and sequence splits. Load
    the labels with ``LoadAnomalyAnnotations``: they become ``gt_anomaly``, not ``gt_sem_seg``.
    """
    METAINFO = dict(classes=('inlier', 'anomaly'), palette=[[0, 0, 0], [255, 0, 0]])

    def __init__(self, img_suffix='.jpg', seg_map_suffix='_labels_semantic.png',
                 data_prefix=dict(img_path='images', seg_map_path='labels_masks'), **kwargs):
        check_data_root(dict(kwargs, data_prefix=data_prefix), 'the SMIYC layout (see README.md)')
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         data_prefix=data_prefix, **kwargs)
