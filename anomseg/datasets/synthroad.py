from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .checks import check_data_root

SYNTHROAD_CLASSES = ('road', 'sidewalk', 'building', 'pole', 'traffic sign', 'vegetation', 'sky',
                     'person', 'car')
# Cityscapes colours of the same classes.
SYNTHROAD_PALETTE = [[128, 64, 128], [244, 35, 232], [70, 70, 70], [153, 153, 153],
                     [220, 220, 0], [107, 142, 35], [70, 130, 180], [220, 20, 60], [0, 0, 142]]


@DATASETS.register_module()
class SynthRoadDataset(BaseSegDataset):
    """SynthRoad inlier splits (``data_prep/synthroad.py``), in the Cityscapes layout:
    ``leftImg8bit/{split}/synthroad/*_leftImg8bit.png`` with
    ``gtFine/{split}/synthroad/*_gtFine_labelTrainIds.png`` (255 ignore)."""
    METAINFO = dict(classes=SYNTHROAD_CLASSES, palette=SYNTHROAD_PALETTE)

    def __init__(self, img_suffix='_leftImg8bit.png', seg_map_suffix='_gtFine_labelTrainIds.png',
                 **kwargs):
        check_data_root(kwargs, 'python data_prep/synthroad.py --out-dir DATA_ROOT')
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
