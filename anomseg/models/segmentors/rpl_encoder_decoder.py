import contextlib

import torch
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import add_prefix

from anomseg.models.utils import freeze_except
from anomseg.utils.errors import InputError
from .anomaly_encoder_decoder import AnomalyEncoderDecoder


@MODELS.register_module()
class RPLEncoderDecoder(AnomalyEncoderDecoder):
    """A frozen segmentor with RPL's residual module (Liu et al., ICCV 2023).

    ``residual_module`` (``RPLResidualModule``) computes a residual r that is added where
    ``residual_at`` says. Per-pixel heads: to the input of that submodule, a name in the decode
    head (DeepLabV3+: ``sep_bottleneck``, the convolutions in front of the classifier; an FCN
    head: ``conv_seg``), or a dotted path from the segmentor (``backbone.decoder.0``: the
    entrance of ERFNet's decoder, which mmseg keeps in the backbone). ``residual_input`` says
    what the module reads: ``'backbone'`` the backbone outputs (its ``in_index`` picks one),
    ``'target'`` the very tensor the residual is added to, f -> f + r(f). Only the residual module
    trains, with ``rpl_loss`` (``RPLLoss``) and optionally ``corocl`` (``CoroCLLoss``) on its
    projection.

    Mask heads (``AnomalyMask2FormerHead``): ``residual_at='pixel_decoder.encoder'``, and r is
    added to the finest level of that deformable encoder's output (stride 8 in Mask2Former),
    F_8 -> F_8 + r. That level is the finest one the queries' cross attention reads, and the FPN
    step builds the stride-4 mask features from it, so both the masks m_q and the class logits
    c_q see the residual, as the per-pixel classifier does in RPL. The per-pixel logits z of the
    RPL losses and of the logit scorers come from the head's class scores
    L_k(x) = sum_q softmax(c_q)_k sigmoid(m_q(x)) (mmseg's semantic output), as
    ``class_logits`` says:

    - ``'log_scores'`` (default): z_k = log L_k. Then softmax(z) = L / sum_k L_k, the share of
      each class in the pixel's evidence, so the inlier terms (cross-entropy to the frozen argmax,
      entropy matching) are near zero where the frozen model is confident, and restrain the
      residual as they do on a per-pixel head; logsumexp z = log sum_k L_k, so the energy term
      relu(log sum_k L_k) pushes the known-class evidence of outlier pixels below one (no query
      claims them for a known class), and the ``energy`` scorer, -log sum_k L_k, reads it.
    - ``'scores'``: z_k = L_k. Bounded L in [0, 1] keeps softmax(z) near uniform, so the inlier
      cross-entropy starts near log K instead of near zero (about 1.6 against 0.08 for RPL on
      ERFNet in our training logs) and dominates the energy term: it sharpens inlier scores more
      than it restrains (the first design; kept to reproduce its row in the model zoo).

    Query scorers (RbA, ...) read the queries of the path with the residual.

    At test time the semantic prediction comes from the frozen path, so closed-set accuracy is the
    original model's, and the anomaly scorers read the outputs of the path with the residual.
    """

    def __init__(self, *args, residual_module, residual_at='sep_bottleneck',
                 residual_input='backbone', rpl_loss=dict(type='RPLLoss'), corocl=None,
                 class_logits='log_scores', **kwargs):
        super().__init__(*args, **kwargs)
        self.residual_module = MODELS.build(residual_module)
        self.frozen_modules = freeze_except(self, ['residual_module'])
        head_modules = dict(self.decode_head.named_modules())
        all_modules = dict(self.named_modules())
        if residual_at and residual_at in head_modules:
            self.residual_target = head_modules[residual_at]
            self.residual_in_backbone = False
        elif residual_at and residual_at in all_modules and (
                residual_at.startswith(('backbone.', 'neck.', 'decode_head.'))):
            self.residual_target = all_modules[residual_at]
            self.residual_in_backbone = not residual_at.startswith('decode_head.')
        else:
            raise InputError(f'residual_at={residual_at!r} is not a submodule of '
                             f'{type(self.decode_head).__name__} nor a backbone/neck/decode_head '
                             f'path of the segmentor')
        if residual_input not in ('backbone', 'target'):
            raise InputError(f"residual_input must be 'backbone' or 'target', not "
                             f'{residual_input!r}')
        if residual_input == 'backbone' and self.residual_in_backbone:
            raise InputError(f'residual_at={residual_at!r} lies before the backbone outputs: '
                             f"use residual_input='target'")
        self.residual_input = residual_input
        self.mask_head = hasattr(self.decode_head, 'predict_queries')
        if class_logits not in ('log_scores', 'scores'):
            raise InputError(f"class_logits must be 'log_scores' or 'scores', not "
                             f'{class_logits!r}')
        self.class_logits = class_logits
        encoder = getattr(getattr(self.decode_head, 'pixel_decoder', None), 'encoder', None)
        if self.mask_head and self.residual_target is not encoder:
            raise InputError(f"on a mask head the residual enters the pixel decoder's encoder "
                             f"output: residual_at='pixel_decoder.encoder', not {residual_at!r}")
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise InputError('RPLEncoderDecoder needs test_cfg.mode="whole"')
        self.rpl_loss = MODELS.build(rpl_loss)
        self.corocl = MODELS.build(corocl) if corocl else None

    @contextlib.contextmanager
    def residual_added(self, feats=None):
        """Within the block, the residual is added where ``residual_at`` says; the residual
        module reads ``feats`` (the backbone outputs) or, when None, the tensor it is added to.
        Yields a dict that receives the module's last ``projection``."""
        out = {}

        def plus_residual(target):
            residual, out['projection'] = self.residual_module(
                [target] if feats is None else feats)
            return target + resize(residual, size=target.shape[2:], mode='bilinear',
                                   align_corners=False)

        def add_to_input(module, args):
            return (plus_residual(args[0]), *args[1:])

        def add_to_finest_level(module, args, kwargs, memory):
            # memory: (N, sum_l h_l w_l, C) tokens, levels from coarse to fine, row-major
            h, w = (int(v) for v in kwargs['spatial_shapes'][-1])
            finest = memory[:, -h * w:].transpose(1, 2).unflatten(2, (h, w))
            finest = plus_residual(finest).flatten(2).transpose(1, 2)
            return torch.cat([memory[:, :-h * w], finest], dim=1)

        if self.mask_head:
            handle = self.residual_target.register_forward_hook(add_to_finest_level,
                                                                with_kwargs=True)
        else:
            handle = self.residual_target.register_forward_pre_hook(add_to_input)
        try:
            yield out
        finally:
            handle.remove()

    def _residual_forward(self, inputs, x, head_forward):
        """``head_forward`` of the model with the residual; ``x`` are the frozen backbone
        outputs (recomputed with the residual when it enters inside the backbone)."""
        with self.residual_added(x if self.residual_input == 'backbone' else None) as out:
            feats = self.extract_feat(inputs) if self.residual_in_backbone else x
            return head_forward(feats), out['projection']

    def head_scores(self, feats, metas):
        """(per-pixel class scores, query outputs or None) of the decode head: a mask head's
        L_k at the padded input size, or a per-pixel head's logits."""
        if self.mask_head:
            queries, head_masks = self.decode_head.predict_queries(feats, metas)
            return queries.class_scores, (queries, head_masks)
        return self.decode_head.predict(feats, metas, self.test_cfg), None

    def as_logits(self, scores):
        """The per-pixel logits z of the losses and scorers (``class_logits``); a per-pixel
        head's logits as they are."""
        if not self.mask_head or self.class_logits == 'scores':
            return scores
        # L_k > 0 in exact arithmetic; the floor keeps an underflowed float32 product finite
        return scores.clamp_min(torch.finfo(scores.dtype).tiny).log()

    def loss(self, inputs, data_samples):
        labels = torch.stack([s.gt_sem_seg.data[0] for s in data_samples])
        metas = [s.metainfo for s in data_samples]
        forward = ((lambda feats: self.as_logits(self.head_scores(feats, metas)[0]))
                   if self.mask_head else self.decode_head.forward)
        with torch.no_grad():
            x = self.extract_feat(inputs)
            vanilla = forward(x)
        rpl_logits, projection = self._residual_forward(inputs, x, forward)
        losses = self.rpl_loss(rpl_logits, vanilla, labels)
        if self.corocl is not None:
            losses.update(self.corocl(projection, labels))
        return add_prefix(losses, 'rpl')

    def score(self, inputs, metas):
        x = self.extract_feat(inputs)
        vanilla, _ = self.head_scores(x, metas)
        (rpl_logits, queries), _ = self._residual_forward(
            inputs, x, lambda feats: self.head_scores(feats, metas))
        if queries is None:
            return vanilla, self.scorer_maps(rpl_logits), None
        queries, head_masks = queries
        return (vanilla, self.scorer_maps(self.as_logits(rpl_logits), queries),
                (queries.cls_logits, head_masks, queries.mask_logits))
