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

    ``residual_module`` (``RPLResidualModule``) reads the backbone features; its residual is added
    to the input of the decode head's submodule ``residual_at`` (DeepLabV3+: ``sep_bottleneck``,
    the convolutions in front of the classifier; an FCN head: ``conv_seg``). Only the residual
    module trains, with ``rpl_loss`` (``RPLLoss``) and optionally ``corocl`` (``CoroCLLoss``).

    At test time the semantic prediction comes from the frozen path, so closed-set accuracy is the
    original model's, and the anomaly scorers read the logits of the path with the residual.
    """

    def __init__(self, *args, residual_module, residual_at='sep_bottleneck',
                 rpl_loss=dict(type='RPLLoss'), corocl=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.residual_module = MODELS.build(residual_module)
        self.frozen_modules = freeze_except(self, ['residual_module'])
        modules = dict(self.decode_head.named_modules())
        if residual_at not in modules or not residual_at:
            raise ValueError(f'residual_at={residual_at!r} is not a submodule of '
                             f'{type(self.decode_head).__name__}')
        if any(s.inputs == 'queries' for s in self.scorers.values()):
            raise ValueError('RPL works on per-pixel heads: choose logit scorers')
        if self.test_cfg.get('mode', 'whole') != 'whole':
            raise ValueError('RPLEncoderDecoder needs test_cfg.mode="whole"')
        self.residual_target = modules[residual_at]
        self.rpl_loss = MODELS.build(rpl_loss)
        self.corocl = MODELS.build(corocl) if corocl else None

    @contextlib.contextmanager
    def residual_added(self, residual):
        """Within the block, the decode head's ``residual_at`` input gets ``residual`` added."""
        def add(module, args):
            feat = args[0]
            r = resize(residual, size=feat.shape[2:], mode='bilinear', align_corners=False)
            return (feat + r, *args[1:])
        handle = self.residual_target.register_forward_pre_hook(add)
        try:
            yield
        finally:
            handle.remove()

    def loss(self, inputs, data_samples):
        labels = torch.stack([s.gt_sem_seg.data[0] for s in data_samples])
        with torch.no_grad():
            x = self.extract_feat(inputs)
            vanilla = self.decode_head.forward(x)
        residual, projection = self.residual_module(x)
        with self.residual_added(residual):
            rpl_logits = self.decode_head.forward(x)
        losses = self.rpl_loss(rpl_logits, vanilla, labels)
        if self.corocl is not None:
            losses.update(self.corocl(projection, labels))
        return add_prefix(losses, 'rpl')

    def score(self, inputs, metas):
        x = self.extract_feat(inputs)
        vanilla = self.decode_head.predict(x, metas, self.test_cfg)
        residual, _ = self.residual_module(x)
        with self.residual_added(residual):
            rpl_logits = self.decode_head.predict(x, metas, self.test_cfg)
        return vanilla, self.scorer_maps(rpl_logits), None
