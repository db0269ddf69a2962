from mmseg.registry import DATASETS

from .smiyc import SMIYCDataset


@DATASETS.register_module()
class FishyscapesDataset(SMIYCDataset):
    """Fishyscapes (Blum et al., IJCV 2021) validation sets in the bundle layout that many
    repositories ship: ``images/N.{jpg,png}`` with ``labels_masks/N.png`` (0 inlier, 1 anomaly,
    255 void). Fishyscapes Static uses ``img_suffix='.jpg'``; Lost & Found ``'.png'``."""

    def __init__(self, img_suffix='.jpg', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
