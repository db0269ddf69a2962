import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS


@MODELS.register_module()
class AnomalySegTTAModel(SegTTAModel):
    """mmseg's test-time augmentation that also averages every anomaly map over the views.

    The class prediction is mmseg's (mean softmax, then argmax); each ``pred_anomaly`` field is
    the mean of that field over the augmented views, each already mapped back to the input.
    """

    def merge_preds(self, data_samples_list):
        merged = super().merge_preds(data_samples_list)
        for views, out in zip(data_samples_list, merged):
            if 'pred_anomaly' not in views[0]:
                continue
            first = views[0].pred_anomaly
            out.pred_anomaly = PixelData(
                metainfo=first.metainfo,
                **{k: torch.stack([v.pred_anomaly.get(k) for v in views]).mean(0)
                   for k in first.keys()})
            if 'gt_anomaly' in views[0]:
                out.gt_anomaly = views[0].gt_anomaly
        return merged
