import torch
from mmengine.structures import InstanceData, PixelData
from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import add_prefix

from anomseg.models.scorers import build_scorers, gaussian_smooth
from anomseg.models.utils import freeze_except
from anomseg.utils.errors import InputError


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

    Outlier exposure (training):

    - ``ood_index`` (default 254): pixels with this label (``PasteOOD``) are ignored by the
      head's own losses and read by ``outlier_losses``.
    - ``outlier_losses``: loss configs (``RbAOutlierLoss``, ``EnergyOELoss``, ``NoneOfKnownLoss``,
      ``QueryDistributionLoss``) called as ``loss(head_outputs, labels)`` on the decode head's
      training forward pass: per-pixel logits, or a mask head's (all_cls_scores, all_mask_preds).
    - ``trainable``: parameter-name prefixes to fine-tune; everything else is frozen and kept in
      eval mode (RbA: ``['decode_head.cls_embed', 'decode_head.mask_embed']``).
    """

    def __init__(self, *args, outlier_losses=None, ood_index=254, trainable=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ood_index = ood_index
        if isinstance(outlier_losses, dict):
            outlier_losses = [outlier_losses]
        self.outlier_losses = torch.nn.ModuleList(
            [MODELS.build(cfg) for cfg in (outlier_losses or [])])
        self.frozen_modules = freeze_except(self, trainable) if trainable else []
        self.scorers = build_scorers((self.test_cfg or {}).get('scorer', 'msp'))
        needs_queries = [n for n, s in self.scorers.items() if s.inputs == 'queries']
        if needs_queries and not hasattr(self.decode_head, 'predict_queries'):
            raise InputError(f'scorers {needs_queries} need a mask-classification head with '
                             f'per-query outputs (AnomalyMask2FormerHead), not '
                             f'{type(self.decode_head).__name__}')
        if needs_queries and self.test_cfg.get('mode', 'whole') != 'whole':
            raise InputError(f'scorers {needs_queries} need test_cfg.mode="whole"')

    def train(self, mode=True):
        super().train(mode)
        modules = dict(self.named_modules())
        for name in self.frozen_modules:
            modules[name].eval()
        return self

    def split_outlier_labels(self, data_samples):
        """Return ((N, H, W) labels with outliers, samples whose ``gt_sem_seg`` has the outlier
        pixels set to the head's ignore index) without changing the given samples."""
        labels = torch.stack([s.gt_sem_seg.data[0] for s in data_samples])
        ignore = self.decode_head.ignore_index
        closed = []
        for sample, lab in zip(data_samples, labels):
            sample = sample.clone()
            closed_lab = torch.where(lab == self.ood_index, ignore, lab)
            sample.gt_sem_seg = PixelData(data=closed_lab[None])
            closed.append(sample)
        return labels, closed

    def head_loss_and_outputs(self, x, data_samples):
        """The decode head's training losses and the outputs of the same forward pass."""
        head = self.decode_head
        if hasattr(head, 'loss_and_outputs'):
            return head.loss_and_outputs(x, data_samples, self.train_cfg)
        outputs = head.forward(x)
        return head.loss_by_feat(outputs, data_samples), outputs

    def loss(self, inputs, data_samples):
        """mmseg's losses with outlier pixels ignored, plus ``outlier_losses``."""
        labels, closed = self.split_outlier_labels(data_samples)
        x = self.extract_feat(inputs)
        head_losses, outputs = self.head_loss_and_outputs(x, closed)
        losses = add_prefix(head_losses, 'decode')
        for loss in self.outlier_losses:
            losses.update(add_prefix(loss(outputs, labels), 'decode'))
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, closed))
        return losses

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
                if self.test_cfg.get('query_masks'):
                    sample.pred_query_masks = self.query_masks(queries[2][i:i + 1],
                                                               sample.metainfo)
        return data_samples

    def query_masks(self, mask_logits, meta):
        """The non-empty masks sigmoid(m_q) > 0.5 of one image's queries, at the input image's
        size (padding cropped, flip undone, bilinear resize as the class scores): (N, H, W)
        bool. ``test_cfg.query_masks=True`` attaches them to each prediction
        (``pred_query_masks``) for OoDIS instances from queries."""
        masks = self.to_input_size(mask_logits, meta) > 0
        return masks[masks.flatten(1).any(1)]

    def score(self, inputs, metas):
        """One forward pass: (class scores at network size, {name: (N, H, W) map}, query
        outputs (cls logits, head-resolution mask logits, mask logits at the padded input) or
        None)."""
        if hasattr(self.decode_head, 'predict_queries'):
            queries, head_masks = self.decode_head.predict_queries(self.extract_feat(inputs),
                                                                   metas)
            seg_logits = queries.class_scores
        else:
            seg_logits, queries, head_masks = self.inference(inputs, metas), None, None
        return (seg_logits, self.scorer_maps(seg_logits, queries),
                None if queries is None else (queries.cls_logits, head_masks,
                                              queries.mask_logits))

    def scorer_maps(self, seg_logits, queries=None):
        """{name: (N, H, W) map} of every configured scorer."""
        return {name: s.fn(queries if s.inputs == 'queries' else seg_logits)
                for name, s in self.scorers.items()}

    def postprocess_result(self, seg_logits, data_samples=None, maps=None):
        """mmseg's postprocessing (crop the padding, undo a flip, bilinear resize to the input,
        argmax), applied alike to the class scores and to every anomaly map.

        Same result as mmseg's ``postprocess_result`` on the maps stacked as extra channels, at
        a fraction of its cost at full resolution: nothing is stacked, a resize to the size a
        map already has is skipped (bilinear interpolation at scale 1 returns its input), and
        the class prediction is ``max(dim=0).indices`` (the first maximum, as ``argmax``, which
        is about ten times slower on CPU for a reduction over the outer dimension)."""
        if not maps:
            return super().postprocess_result(seg_logits, data_samples)
        if seg_logits.shape[1] == 1:
            raise InputError('anomaly scoring needs a multi-class head (out_channels > 1)')
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(seg_logits.shape[0])]
        for i, sample in enumerate(data_samples):
            meta = sample.metainfo
            logits = self.to_input_size(seg_logits[i:i + 1], meta)
            sample.seg_logits = PixelData(data=logits)
            sample.pred_sem_seg = PixelData(data=logits.max(dim=0, keepdim=True).indices)
            attach_anomaly_scores(sample, {
                name: self.to_input_size(m[i:i + 1, None].to(seg_logits), meta)[0]
                for name, m in maps.items()})
        return data_samples

    def to_input_size(self, x, meta):
        """(1, C, H, W) at network size to (C, h, w) at the input image's size (no meta: as
        it is)."""
        if not meta:
            return x[0]
        height, width = x.shape[2:]
        left, right, top, bottom = meta.get('img_padding_size',
                                            meta.get('padding_size', [0] * 4))
        x = x[:, :, top:height - bottom, left:width - right]
        if meta.get('flip'):
            assert meta.get('flip_direction') in ('horizontal', 'vertical')
            x = x.flip(dims=(3,) if meta['flip_direction'] == 'horizontal' else (2,))
        if tuple(x.shape[2:]) != tuple(meta['ori_shape'][:2]):
            x = resize(x, size=meta['ori_shape'], mode='bilinear',
                       align_corners=self.align_corners, warning=False)
        return x[0]
