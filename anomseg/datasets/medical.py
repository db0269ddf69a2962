import os.path as osp

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from anomseg.utils.errors import InputError
from .checks import check_data_root


@DATASETS.register_module()
class MedicalSliceDataset(BaseSegDataset):
    """2D slices written by ``data_prep/msd.py``::

        images/{split}/NAME.png    labels/{split}/NAME.png (classes, 255 ignored)
        anomaly/{split}/NAME.png   (0 inlier, 1 anomaly, 255 outside the region of interest)

    ``seg_map_path`` is the class label (``LoadAnnotations``: training, Dice); with
    ``anomaly=True`` each sample also has ``anomaly_map_path`` for
    ``LoadAnomalyAnnotations(path_key='anomaly_map_path')``. Class names (and a palette) must
    come from the config's ``metainfo``: the converter's ``meta.json`` lists them.
    """
    METAINFO = dict()

    def __init__(self, split='train', anomaly=False, **kwargs):
        if not (kwargs.get('metainfo') or {}).get('classes'):
            raise InputError('MedicalSliceDataset needs metainfo=dict(classes=...): the class '
                             'names of the slices (meta.json of the converter lists them)')
        prefix = dict(img_path=f'images/{split}', seg_map_path=f'labels/{split}')
        if anomaly:
            prefix['anomaly_map_path'] = f'anomaly/{split}'
        check_data_root(dict(kwargs, data_prefix=prefix),
                        'slices from python data_prep/msd.py')
        self.anomaly = anomaly
        self.split = split
        super().__init__(img_suffix='.png', seg_map_suffix='.png',
                         data_prefix=dict(img_path=prefix['img_path'],
                                          seg_map_path=prefix['seg_map_path']), **kwargs)

    def load_data_list(self):
        data_list = super().load_data_list()
        if self.anomaly:
            folder = osp.join(self.data_root, f'anomaly/{self.split}')
            for info in data_list:
                info['anomaly_map_path'] = osp.join(folder, osp.basename(info['seg_map_path']))
        return data_list
