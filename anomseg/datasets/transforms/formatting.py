import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackAnomalySegInputs(PackSegInputs):
    """mmseg's ``PackSegInputs`` that also packs ``gt_anomaly_map`` as ``gt_anomaly``,
    ``gt_anomaly_roi_map`` (``AnomalyRegionOfInterest``) as ``gt_anomaly_roi`` and
    ``gt_anomaly_instances`` under its own name."""

    def transform(self, results):
        packed = super().transform(results)
        for key, name in (('gt_anomaly_map', 'gt_anomaly'),
                          ('gt_anomaly_roi_map', 'gt_anomaly_roi')):
            if key in results:
                label = np.ascontiguousarray(results[key])
                packed['data_samples'].set_field(PixelData(data=torch.from_numpy(label)[None]),
                                                 name)
        if 'gt_anomaly_instances' in results:
            ids = np.ascontiguousarray(results['gt_anomaly_instances'])
            packed['data_samples'].gt_anomaly_instances = PixelData(
                data=torch.from_numpy(ids)[None])
        return packed
