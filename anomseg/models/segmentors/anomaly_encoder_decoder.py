from mmengine.structures import PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

from anomseg.models.scorers import build_scorers


def attach_anomaly_scores(data_sample, scores):
    """Store {name: (H, W) map} as ``pred_anomaly``: ``data`` is the first map, every map is also
    a field under its name, and ``metainfo['scorers']`` keeps the names in order."""
    maps = {name: score[None].float() for name, score in scores.items()}
    data_sample.pred_anomaly = PixelData(metainfo=dict(scorers=list(maps)),
                                         data=next(iter(maps.values())), **maps)
    return data_sample


@MODELS.register_module()
class AnomalyEncoderDecoder(EncoderDecoder):
    """mmseg's per-pixel ``EncoderDecoder`` that also scores every pixel for anomaly.

    ``test_cfg.scorer`` names one or more registered scorers (default ``'msp'``); all of them
    are computed from the same forward pass, on the class logits after mmseg has cropped the
    padding, undone the flip and resized them to the input image, so ``pred_anomaly`` has the
    input's resolution (float32, higher = more anomalous).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scorers = build_scorers((self.test_cfg or {}).get('scorer', 'msp'))

    def postprocess_result(self, seg_logits, data_samples=None):
        data_samples = super().postprocess_result(seg_logits, data_samples)
        for data_sample in data_samples:
            logits = data_sample.seg_logits.data[None].float()
            attach_anomaly_scores(
                data_sample, {name: fn(logits)[0] for name, fn in self.scorers.items()})
        return data_samples
