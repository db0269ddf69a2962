import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import load_checkpoint
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from tests.conftest import REPO

RBA = osp.join(REPO, 'configs', 'rba', 'rba_mnv2_mask2former-lite_1xb4-300_synthroad-256x256.py')
RPL = osp.join(REPO, 'configs', 'rpl', 'rpl_mnv2_deeplabv3plus_1xb4-300_synthroad-256x256.py')
EOE = osp.join(REPO, 'configs', 'energy_oe',
               'energy-oe_mnv2_deeplabv3plus_1xb4-300_synthroad-256x256.py')
# the released Cityscapes models: the residual enters ERFNet inside its backbone (the decoder's
# entrance) and ESPNetv2 at its decode head's first block, reading the tensor it is added to
RPL_ERFNET = osp.join(REPO, 'configs', 'rpl',
                      'rpl_erfnet-cityscapes-pre_1xb8-500_camvid-512x512.py')
RPL_ESPNET = osp.join(REPO, 'configs', 'rpl',
                      'rpl_espnetv2-s2-cityscapes-pre_1xb8-500_camvid-512x512.py')
# on a Mask2Former: the residual enters the pixel decoder's finest encoder level
RPL_M2F = osp.join(REPO, 'configs', 'rpl', 'rpl_mnv2_mask2former-lite_1xb4-300_camvid-240x320.py')


def build(path):
    cfg = Config.fromfile(path)
    if 'init_cfg' in cfg.model.backbone:
        cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    return MODELS.build(cfg.model)


def batch(with_outliers=True, n=2, size=64):
    torch.manual_seed(1)
    samples = []
    for i in range(n):
        label = torch.randint(0, 9, (1, size, size))
        label[:, :4] = 255
        if with_outliers:
            label[:, 20:40, 10 + i:30 + i] = 254
        s = SegDataSample(gt_sem_seg=PixelData(data=label))
        s.set_metainfo(dict(img_shape=(size, size), pad_shape=(size, size),
                            ori_shape=(size, size), padding_size=[0, 0, 0, 0]))
        samples.append(s)
    return torch.randn(n, 3, size, size), samples


def test_rba_finetune_freezes_all_but_the_embedding_heads_and_adds_the_loss():
    model = build(RBA).train()
    trainable = {n.split('.')[1] for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {'cls_embed', 'mask_embed'}
    assert not model.backbone.training and not model.decode_head.pixel_decoder.training
    inputs, samples = batch()
    before = [s.gt_sem_seg.data.clone() for s in samples]
    losses = model.loss(inputs, samples)
    assert 'decode.loss_rba' in losses and torch.isfinite(losses['decode.loss_rba'])
    assert losses['decode.loss_rba'].item() > 0
    assert all(torch.equal(b, s.gt_sem_seg.data) for b, s in zip(before, samples))
    sum(v for k, v in losses.items() if 'loss' in k).backward()
    assert model.decode_head.cls_embed.weight.grad is not None
    assert model.backbone.conv1.conv.weight.grad is None


def test_outlier_pixels_are_ignored_by_the_closed_set_loss():
    model = build(EOE).train()
    inputs, samples = batch()
    labels, closed = model.split_outlier_labels(samples)
    assert (labels == 254).any() and not any((s.gt_sem_seg.data == 254).any() for s in closed)
    assert all(torch.equal(c.gt_sem_seg.data, torch.where(l[None] == 254, 255, l[None]))
               for c, l in zip(closed, labels))
    torch.manual_seed(0)
    losses = model.loss(inputs, samples)
    model.outlier_losses = torch.nn.ModuleList()
    torch.manual_seed(0)
    plain = super(type(model), model).loss(inputs, closed)
    assert torch.allclose(losses['decode.loss_ce'], plain['decode.loss_ce'])
    assert 'decode.loss_energy' in losses


def test_batches_without_outliers_train_without_nan():
    for path in (RBA, EOE, RPL, RPL_M2F):
        model = build(path).train()
        inputs, samples = batch(with_outliers=False)
        losses = model.loss(inputs, samples)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        assert torch.isfinite(total), path
        total.backward()


def randomise_residual(model):
    """A non-zero residual, as after training (it starts at zero)."""
    torch.manual_seed(3)
    with torch.no_grad():
        model.residual_module.residual.weight.normal_(0, 0.5)


@pytest.mark.parametrize('path', [RPL, RPL_ERFNET, RPL_ESPNET, RPL_M2F],
                         ids=['dlv3p', 'erfnet', 'espnetv2', 'm2f'])
def test_rpl_starts_as_the_frozen_model_and_trains_only_the_residual_module(path):
    model = build(path)
    trainable = {n.split('.')[0] for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == {'residual_module'}
    model.eval()
    inputs, samples = batch()
    metas = [s.metainfo for s in samples]
    with torch.no_grad():
        vanilla, maps, _ = model.score(inputs, metas)
        base = model.decode_head.predict(model.extract_feat(inputs), metas, model.test_cfg)
    assert torch.equal(vanilla, base)
    # a mask head's logits are log L_k of its class scores: energy -log sum_k L_k
    energy = -base.sum(dim=1).log() if path == RPL_M2F else -torch.logsumexp(base, dim=1)
    assert torch.allclose(maps['energy'], energy, atol=1e-5)   # zero residual at the start
    model.train()
    assert not model.backbone.training and model.residual_module.training
    losses = model.loss(inputs, samples)
    assert set(losses) == {'rpl.loss_rpl_ce', 'rpl.loss_rpl_entropy', 'rpl.loss_rpl_energy',
                           'rpl.loss_corocl'}
    sum(losses.values()).backward()
    assert model.residual_module.residual.weight.grad.abs().sum() > 0
    assert all(p.grad is None for n, p in model.named_parameters()
               if not n.startswith('residual_module'))


@pytest.mark.parametrize('path', [RPL_ERFNET, RPL_ESPNET], ids=['erfnet', 'espnetv2'])
def test_rpl_residual_enters_where_the_config_says(path):
    """With a non-zero residual, the scores equal a hand-wired forward pass: the frozen layers
    up to ``residual_at``, f + r(f) there, the frozen rest; the segmentation stays the frozen
    model's. The released weights (published in the repo) make the decoder respond to its input,
    as random ones barely do."""
    model = build(path).eval()
    load_checkpoint(model, osp.join(REPO, Config.fromfile(path).load_from), logger='silent')
    randomise_residual(model)
    inputs, samples = batch(n=1, size=128)
    metas = [s.metainfo for s in samples]
    with torch.no_grad():
        vanilla, maps, _ = model.score(inputs, metas)
        base = model.decode_head.forward(model.extract_feat(inputs))
        if model.residual_in_backbone:  # ERFNet: encoder, f + r(f), decoder, head
            f = inputs
            for layer in model.backbone.encoder:
                f = layer(f)
            f = f + model.residual_module([f])[0]
            for layer in model.backbone.decoder:
                f = layer(f)
            logits = model.decode_head.forward([f])
        else:  # ESPNetv2: the deepest level l4 gets r(l4) before the decoder
            feats = list(model.extract_feat(inputs))
            feats[3] = feats[3] + model.residual_module([feats[3]])[0]
            logits = model.decode_head.forward(feats)
    assert torch.allclose(vanilla, base, atol=1e-6)
    assert (logits - base).abs().max() > 1e-3  # the residual changes the scores
    assert torch.allclose(maps['energy'], -torch.logsumexp(logits, dim=1), atol=1e-4)


def test_rpl_on_a_mask_head_enters_the_finest_encoder_level():
    """With a non-zero residual r, the pixel decoder's outputs equal a hand-wired pass: the
    coarse encoder levels as the frozen model's, the finest (stride 8) F_8 + r, the mask features
    rebuilt from F_8 + r by the FPN step; the head run on those outputs gives the anomaly maps,
    and the class scores of the segmentation stay the frozen model's (the published CamVid
    Mask2Former-lite, whose queries respond to their input as random ones barely do)."""
    model = build(RPL_M2F).eval()
    load_checkpoint(model, osp.join(REPO, 'checkpoints', 'camvid', 'm2f.pth'), logger='silent')
    randomise_residual(model)
    inputs, samples = batch(n=1, size=128)
    metas = [s.metainfo for s in samples]
    head, decoder = model.decode_head, model.decode_head.pixel_decoder
    with torch.no_grad():
        vanilla, maps, queries = model.score(inputs, metas)
        x = model.extract_feat(inputs)
        mask_feature, levels = decoder(x)
        with model.residual_added(x):
            rpl_mask_feature, rpl_levels = decoder(x)
        residual = model.residual_module(x)[0]
        finest = levels[-1] + torch.nn.functional.interpolate(
            residual, size=levels[-1].shape[2:], mode='bilinear', align_corners=False)
        up = torch.nn.functional.interpolate(finest, size=x[0].shape[2:], mode='bilinear',
                                             align_corners=False)
        by_hand = decoder.mask_feature(decoder.output_convs[0](decoder.lateral_convs[0](x[0])
                                                               + up))
        frozen = head.predict(x, metas, model.test_cfg)
        decoder.forward = lambda feats: (by_hand, [*levels[:-1], finest])
        scores = head.predict(x, metas, model.test_cfg)
        del decoder.forward
    assert len(rpl_levels) == len(levels) == 3
    for rpl_level, level in zip(rpl_levels[:-1], levels[:-1]):
        assert torch.equal(rpl_level, level)
    assert torch.allclose(rpl_levels[-1], finest, atol=1e-5)
    assert (finest - levels[-1]).abs().max() > 1e-2
    assert torch.allclose(rpl_mask_feature, by_hand, atol=1e-4)
    assert torch.equal(vanilla, frozen)
    assert (scores - frozen).abs().max() > 1e-3  # the residual changes the class scores
    # z_k = log L_k: energy -log sum_k L_k, softmax(z) the classes' shares of sum_k L_k
    assert torch.allclose(maps['energy'], -scores.sum(dim=1).log(), atol=1e-4)
    assert torch.allclose(maps['msp'], 1 - scores.amax(dim=1) / scores.sum(dim=1), atol=1e-5)
    assert queries[0].shape == (1, head.num_queries, head.num_classes + 1)
    model.class_logits = 'scores'  # the first design: L_k themselves as the logits
    with torch.no_grad():
        _, maps, _ = model.score(inputs, metas)
    assert torch.allclose(maps['energy'], -torch.logsumexp(scores, dim=1), atol=1e-4)


def test_rpl_on_a_mask_head_inlier_terms_start_near_zero_only_with_log_scores():
    """On confident pixels of the frozen model (one class holds most of sum_k L_k) the inlier
    cross-entropy of z = log L_k is near zero, as on a per-pixel head; with z = L_k it stays
    near log K because softmax of scores in [0, 1] is never confident."""
    from anomseg.models.losses.rpl import rpl_losses
    torch.manual_seed(0)
    scores = torch.full((1, 11, 4, 4), 0.001)
    scores[:, 3] = 0.98 + 0.01 * torch.rand(1, 4, 4)  # road, claimed by one query
    inlier = torch.ones(1, 4, 4, dtype=torch.bool)
    none = torch.zeros_like(inlier)
    log_ce = rpl_losses(scores.log(), scores.log(), none, inlier)['loss_rpl_ce']
    raw_ce = rpl_losses(scores, scores, none, inlier)['loss_rpl_ce']
    # by hand: -log(L_3 / sum L) = log(1 + 10 * 0.001 / L_3) ~ 0.0102; -log softmax(L)_3
    # = log(e^L_3 + 10 e^0.001) - L_3 ~ log(2.66 + 10.01) - 0.98 ~ 1.56
    assert log_ce.item() == pytest.approx(0.0102, abs=1e-3)
    assert raw_ce.item() == pytest.approx(1.56, abs=0.01)


REFUSED = {  # config, the setting changed, the error it must name
    'class-logits': (RPL_M2F, dict(class_logits='probs'),
                     "class_logits must be 'log_scores' or 'scores'"),
    'mask-head-place': (RPL_M2F, dict(residual_at='transformer_decoder'),
                        "residual_at='pixel_decoder.encoder'"),
    'inside-backbone-reads-backbone': (RPL_ERFNET, dict(residual_input='backbone'),
                                       "before the backbone outputs.*residual_input='target'"),
    'missing-target': (RPL, dict(residual_at='nope'), "residual_at='nope'"),
}


@pytest.mark.parametrize('case', REFUSED)
def test_rpl_refuses_a_wrong_setting(case):
    path, change, message = REFUSED[case]
    cfg = Config.fromfile(path)
    if 'init_cfg' in cfg.model.backbone:
        cfg.model.backbone.init_cfg = None
    cfg.model.update(change)
    with pytest.raises(ValueError, match=message):
        MODELS.build(cfg.model)
