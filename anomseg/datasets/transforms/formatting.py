import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackAnomalySegInputs(PackSegInputs):
    """mmseg's ``PackSegInputs`` that also packs ``gt_anomaly_map`` as ``gt_anomaly`` and
    ``gt_anomaly_instances`` under its own name."""

    def transform(self, results):
        packed = super().transform(results)
        if 'gt_anomaly_map' in results:
            label = np.ascontiguousarray(results['gt_anomaly_map'])
            packed['data_samples'].gt_anomaly = PixelData(data=torch.from_numpy(label)[None])
        if 'gt_anomaly_instances' in results:
            ids = np.ascontiguousarray(results['gt_anomaly_instances'])
            packed['data_samples'].gt_anomaly_instances = PixelData(
                data=torch.from_numpy(ids)[None])
        return packed
