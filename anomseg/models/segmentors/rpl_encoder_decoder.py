import contextlib

import torch
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import add_prefix

from anomseg.models.utils import freeze_except
from .anomaly_encoder_decoder import AnomalyEncoderDecoder


@MODELS.register_module()
class RPLEncoderDecoder(AnomalyEncoderDecoder):
    """A frozen per-pixel segmentor with RPL's residual module (Liu et al., ICCV 2023).

    ``residual_module`` (``RPLResidualModule``) computes a residual r that is added to the input
    of the submodule ``residual_at``: a name in the decode head (DeepLabV3+: ``sep_bottleneck``,
    the convolutions in front of the classifier; an FCN head: ``conv_seg``), or a dotted path
    from the segmentor (``backbone.decoder.0``: the entrance of ERFNet's decoder, which mmseg
    keeps in the backbone). ``residual_input`` says what the module reads: ``'backbone'`` the
    backbone outputs (its ``in_index`` picks one), ``'target'`` the very tensor the residual is
    added to, f -> f + r(f). Only the residual module trains, with ``rpl_loss`` (``RPLLoss``) and
    optionally ``corocl`` (``CoroCLLoss``) on its projection.

    At test time the semantic prediction comes from the frozen path, so closed-set accuracy is the
    original model's, and the anomaly scorers read the logits of the path with the residual.
    """

    def __init__(self, *args, residual_module, residual_at='sep_bottleneck',
                 residual_input='backbone', rpl_loss=dict(type='RPLLoss'), corocl=None,
                 **kwargs):
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
            raise ValueError(f'residual_at={residual_at!r} is not a submodule of '
                             f'{type(self.decode_head).__name__} nor a backbone/neck/decode_head '
                             f'path of the segmentor')
        if residual_input not in ('backbone', 'target'):
            raise ValueError(f"residual_input must be 'backbone' or 'target', not "
                             f'{residual_input!r}')
        if residual_input == 'backbone' and self.residual_in_backbone:
            raise ValueError(f'residual_at={residual_at!r} lies before the backbone outputs: '
                             f"use residual_input='target'")
        self.residual_input = residual_input
        if any(s.inputs == 'queries' for s in self.scorers.values()):
            raise ValueError('RPL works on per-pixel heads: choose logit scorers')
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError('RPLEncoderDecoder needs test_cfg.mode="whole"')
        self.rpl_loss = MODELS.build(rpl_loss)
        self.corocl = MODELS.build(corocl) if corocl else None

    @contextlib.contextmanager
    def residual_added(self, feats=None):
        """Within the block, the input of ``residual_at`` gets the residual added; the residual
        module reads ``feats`` (the backbone outputs) or, when None, that input itself. Yields a
        dict that receives the module's last ``projection``."""
        out = {}

        def add(module, args):
            target = args[0]
            residual, out['projection'] = self.residual_module(
                [target] if feats is None else feats)
            residual = resize(residual, size=target.shape[2:], mode='bilinear',
                              align_corners=False)
            return (target + residual, *args[1:])

        handle = self.residual_target.register_forward_pre_hook(add)
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

    def loss(self, inputs, data_samples):
        labels = torch.stack([s.gt_sem_seg.data[0] for s in data_samples])
        with torch.no_grad():
            x = self.extract_feat(inputs)
            vanilla = self.decode_head.forward(x)
        rpl_logits, projection = self._residual_forward(inputs, x, self.decode_head.forward)
        losses = self.rpl_loss(rpl_logits, vanilla, labels)
        if self.corocl is not None:
            losses.update(self.corocl(projection, labels))
        return add_prefix(losses, 'rpl')

    def score(self, inputs, metas):
        x = self.extract_feat(inputs)
        vanilla = self.decode_head.predict(x, metas, self.test_cfg)
        rpl_logits, _ = self._residual_forward(
            inputs, x, lambda feats: self.decode_head.predict(feats, metas, self.test_cfg))
        return vanilla, self.scorer_maps(rpl_logits), None
