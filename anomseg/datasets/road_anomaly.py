import json
import os.path as osp

from mmseg.registry import DATASETS

from .anomaly_frames import ListedAnomalyDataset


@DATASETS.register_module()
class RoadAnomalyDataset(ListedAnomalyDataset):
    """RoadAnomaly (Lis et al., ICCV 2019) in its official EPFL layout: ``frame_list.json`` names
    the frames ``frames/NAME.{jpg,webp}``; labels are ``frames/NAME.labels/labels_semantic.png``
    with 0 background and 2 anomaly (mapped to 1; there is no void). Where a frame has
    ``labels_instance.png`` (anomalies numbered 1..N), it is its instance ground truth, read as
    Cityscapes-style ids 1000 + n."""
    ANOMALY_LABEL_MAP = {2: 1}

    def load_data_list(self):
        list_path = osp.join(self.data_root, 'frame_list.json')
        if not osp.isfile(list_path):
            raise FileNotFoundError(f'{list_path} does not exist: expected the RoadAnomaly layout '
                                    '(frame_list.json, frames/)')
        with open(list_path) as fh:
            names = json.load(fh)
        data_list, missing = [], []
        for name in names:
            img = osp.join(self.data_root, 'frames', name)
            label = osp.join(self.data_root, 'frames', osp.splitext(name)[0] + '.labels',
                             'labels_semantic.png')
            missing += [p for p in (img, label) if not osp.isfile(p)]
            info = self.frame_info(img, label, anomaly_label_map=self.ANOMALY_LABEL_MAP)
            instances = osp.join(osp.dirname(label), 'labels_instance.png')
            if osp.isfile(instances):
                info.update(instance_map_path=instances, instance_id_offset=1000)
            data_list.append(info)
        if missing:
            raise FileNotFoundError(f'{list_path} lists {len(missing)} missing files, e.g. '
                                    f'{missing[:3]}')
        return data_list
