import torch
from mmengine.structures import InstanceData, PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

from anomseg.models.scorers import build_scorers, gaussian_smooth


def attach_anomaly_scores(data_sample, scores):
    """Store {name: (H, W) map} as ``pred_anomaly``: ``data`` is the first map, every map is also
    a field under its name, and ``metainfo['scorers']`` keeps the names in order."""
    maps = {name: score[None].float() for name, score in scores.items()}
    data_sample.pred_anomaly = PixelData(metainfo=dict(scorers=list(maps)),
                                         data=next(iter(maps.values())), **maps)
    return data_sample


@MODELS.register_module()
class AnomalyEncoderDecoder(EncoderDecoder):
    """mmseg's ``EncoderDecoder`` that also scores every pixel for anomaly.

    Works with per-pixel heads and with mask-classification heads that offer
    ``predict_queries`` (``AnomalyMask2FormerHead``). ``test_cfg``:

    - ``scorer``: one or more registered scorers (default ``'msp'``), all computed from one
      forward pass. 'logits' scorers read the per-pixel class scores (for a mask head, L_k(x));
      'queries' scorers read the head's last-layer query outputs.
    - ``flip``: also score the horizontally flipped image and average the maps (default False).
    - ``smooth``: ``dict(kernel_size=7, sigma=1.0)`` Gaussian smoothing of the maps (default off).

    Maps are computed at the network's output size and then cropped, un-flipped and resized to
    the input image together with the class scores (mmseg's ``postprocess_result``), so
    ``pred_anomaly`` is float32 at input resolution, higher = more anomalous. A mask head's
    samples also carry ``pred_queries``: ``cls_logits`` (Q, K+1) and ``mask_logits`` (Q, h, w) at
    the head's own resolution.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scorers = build_scorers((self.test_cfg or {}).get('scorer', 'msp'))
        needs_queries = [n for n, s in self.scorers.items() if s.inputs == 'queries']
        if needs_queries and not hasattr(self.decode_head, 'predict_queries'):
            raise ValueError(f'scorers {needs_queries} need a mask-classification head with '
                             f'per-query outputs (AnomalyMask2FormerHead), not '
                             f'{type(self.decode_head).__name__}')
        if needs_queries and self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError(f'scorers {needs_queries} need test_cfg.mode="whole"')

    def predict(self, inputs, data_samples=None):
        if data_samples is not None:
            metas = [sample.metainfo for sample in data_samples]
        else:
            metas = [dict(ori_shape=inputs.shape[2:], img_shape=inputs.shape[2:],
                          pad_shape=inputs.shape[2:], padding_size=[0, 0, 0, 0])
                     ] * inputs.shape[0]
        seg_logits, maps, queries = self.score(inputs, metas)
        if self.test_cfg.get('flip', False):
            _, flipped, _ = self.score(inputs.flip(-1), metas)
            maps = {k: (v + flipped[k].flip(-1)) / 2 for k, v in maps.items()}
        if self.test_cfg.get('smooth'):
            maps = {k: gaussian_smooth(v, **self.test_cfg.smooth) for k, v in maps.items()}
        data_samples = self.postprocess_result(seg_logits, data_samples, maps)
        if queries is not None:
            for i, sample in enumerate(data_samples):
                sample.pred_queries = InstanceData(cls_logits=queries[0][i],
                                                   mask_logits=queries[1][i])
        return data_samples

    def score(self, inputs, metas):
        """One forward pass: (class scores at network size, {name: (N, H, W) map}, query
        outputs (cls logits, head-resolution mask logits) or None)."""
        if hasattr(self.decode_head, 'predict_queries'):
            queries, head_masks = self.decode_head.predict_queries(self.extract_feat(inputs),
                                                                   metas)
            seg_logits = queries.class_scores
        else:
            seg_logits, queries, head_masks = self.inference(inputs, metas), None, None
        maps = {name: s.fn(queries if s.inputs == 'queries' else seg_logits)
                for name, s in self.scorers.items()}
        return seg_logits, maps, None if queries is None else (queries.cls_logits, head_masks)

    def postprocess_result(self, seg_logits, data_samples=None, maps=None):
        """mmseg's postprocessing, with the anomaly maps carried through its crop, flip and
        resize as extra channels, then split off again."""
        if not maps:
            return super().postprocess_result(seg_logits, data_samples)
        channels = seg_logits.shape[1]
        if channels == 1:
            raise ValueError('anomaly scoring needs a multi-class head (out_channels > 1)')
        stacked = torch.cat([seg_logits, *(m[:, None].to(seg_logits) for m in maps.values())], 1)
        data_samples = super().postprocess_result(stacked, data_samples)
        for sample in data_samples:
            full = sample.seg_logits.data
            sample.seg_logits = PixelData(data=full[:channels])
            sample.pred_sem_seg = PixelData(data=full[:channels].argmax(dim=0, keepdim=True))
            attach_anomaly_scores(sample, dict(zip(maps, full[channels:])))
        return data_samples
