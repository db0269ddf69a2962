import os.path as osp

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import anomseg  # noqa: F401
from tests.conftest import REPO

DEEPLAB = osp.join(REPO, 'configs', 'deeplabv3plus',
                   'deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py')
M2F = osp.join(REPO, 'configs', 'mask2former', 'mask2former-lite_mnv2_1xb4-1k_synthroad-256x256.py')


def build(path, **test_cfg):
    cfg = Config.fromfile(path)
    cfg.model.backbone.init_cfg = None
    cfg.model.test_cfg.update(test_cfg)
    torch.manual_seed(0)
    return MODELS.build(cfg.model).eval()


def samples(batch, shape, ori_shape):
    out = []
    for _ in range(batch):
        s = SegDataSample()
        s.set_metainfo(dict(img_shape=shape, ori_shape=ori_shape, pad_shape=shape,
                            padding_size=[0, 0, 0, 0]))
        out.append(s)
    return out


def test_per_pixel_maps_scored_at_network_size_then_resized_to_the_input():
    model = build(DEEPLAB)
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        out = model.predict(x, samples(2, (64, 96), (48, 72)))
        logits = model.inference(x, [s.metainfo for s in samples(2, (64, 96), (48, 72))])
    for i, s in enumerate(out):
        pa = s.pred_anomaly
        assert pa.scorers == ['msp', 'max_logit', 'entropy', 'energy']
        assert pa.data.shape == (1, 48, 72) and pa.data.dtype == torch.float32
        msp = 1 - torch.softmax(logits[i:i + 1], 1).amax(1, keepdim=True)
        expected = F.interpolate(msp, (48, 72), mode='bilinear', align_corners=False)[0]
        assert torch.allclose(pa.msp, expected, atol=1e-6)
        assert torch.equal(pa.data, pa.msp)
        assert s.pred_sem_seg.data.shape == (1, 48, 72)
        assert torch.equal(s.pred_sem_seg.data, s.seg_logits.data.argmax(0, keepdim=True))
        assert 'pred_queries' not in s


def test_scorer_selection_from_config():
    model = build(DEEPLAB, scorer=['energy', 'msp'])
    with torch.no_grad():
        out = model.predict(torch.randn(1, 3, 32, 32), samples(1, (32, 32), (32, 32)))
    assert out[0].pred_anomaly.scorers == ['energy', 'msp']
    assert torch.equal(out[0].pred_anomaly.data, out[0].pred_anomaly.energy)


def test_query_scorer_on_a_per_pixel_model_is_refused_at_build():
    with pytest.raises(ValueError, match=r"\['rba'\] need a mask-classification head"):
        build(DEEPLAB, scorer=['msp', 'rba'])


def test_mask2former_outputs_queries_and_every_scorer():
    model = build(M2F)
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        s = model.predict(x, samples(1, (64, 96), (64, 96)))[0]
    names = ['rba', 'msp', 'max_logit', 'entropy', 'energy', 'mask2anomaly', 'eam', 'maxquery']
    assert s.pred_anomaly.scorers == names
    for name in names:
        assert s.pred_anomaly.get(name).shape == (1, 64, 96)
    q = s.pred_queries
    assert q.cls_logits.shape == (50, 10) and q.mask_logits.shape == (50, 16, 24)  # stride 4
    L = s.seg_logits.data  # input size = network size here: no resize in between
    assert torch.allclose(s.pred_anomaly.rba[0], -torch.tanh(L).sum(0), atol=1e-5)
    assert torch.allclose(s.pred_anomaly.mask2anomaly[0], 1 - L.max(0).values, atol=1e-6)
    # L recomputed from the head-resolution query outputs, as mmseg's Mask2Former does it
    masks = F.interpolate(q.mask_logits[None], (64, 96), mode='bilinear', align_corners=False)
    L2 = torch.einsum('qk,qhw->khw', q.cls_logits.softmax(-1)[:, :-1], masks[0].sigmoid())
    assert torch.allclose(L, L2, atol=1e-5)


def test_flip_averaging_and_smoothing():
    x = torch.randn(1, 3, 32, 64)
    plain = build(DEEPLAB, scorer=['max_logit'])
    with torch.no_grad():
        a = plain.predict(x, samples(1, (32, 64), (32, 64)))[0].pred_anomaly.data
        b = plain.predict(x.flip(-1), samples(1, (32, 64), (32, 64)))[0].pred_anomaly.data
        flipped = build(DEEPLAB, scorer=['max_logit'], flip=True)
        c = flipped.predict(x, samples(1, (32, 64), (32, 64)))[0].pred_anomaly.data
        smooth = build(DEEPLAB, scorer=['max_logit'], smooth=dict(kernel_size=5, sigma=1.0))
        d = smooth.predict(x, samples(1, (32, 64), (32, 64)))[0].pred_anomaly.data
    assert torch.allclose(c, (a + b.flip(-1)) / 2, atol=1e-5)
    assert torch.allclose(d, anomseg.models.gaussian_smooth(a, 5, 1.0), atol=1e-5)


@pytest.mark.parametrize('flip', [None, 'horizontal', 'vertical'])
def test_postprocessing_equals_mmseg_on_the_maps_stacked_as_channels(flip):
    from mmseg.models.segmentors.base import BaseSegmentor
    model = build(DEEPLAB)
    torch.manual_seed(3)
    logits = torch.randn(2, 9, 40, 56)
    maps = {'a': torch.randn(2, 40, 56), 'b': torch.rand(2, 40, 56)}
    logits[0, 3, :5] = logits[0, 2, :5]  # ties: the first maximal class wins in both
    meta = dict(img_shape=(36, 52), pad_shape=(40, 56), ori_shape=(71, 103),
                padding_size=[1, 3, 2, 2], flip=flip is not None, flip_direction=flip)
    ours = model.postprocess_result(logits, [SegDataSample(metainfo=meta) for _ in range(2)],
                                    maps)
    stacked = torch.cat([logits, *(m[:, None] for m in maps.values())], 1)
    theirs = BaseSegmentor.postprocess_result(model, stacked,
                                              [SegDataSample(metainfo=meta) for _ in range(2)])
    for o, t in zip(ours, theirs):
        full = t.seg_logits.data
        assert torch.equal(o.seg_logits.data, full[:9])
        assert torch.equal(o.pred_sem_seg.data, full[:9].argmax(dim=0, keepdim=True))
        assert torch.equal(o.pred_anomaly.a, full[9:10]) and torch.equal(o.pred_anomaly.b,
                                                                          full[10:11])
    same_size = dict(img_shape=(40, 56), pad_shape=(40, 56), ori_shape=(40, 56))
    o = model.postprocess_result(logits, [SegDataSample(metainfo=same_size) for _ in range(2)],
                                 maps)[0]
    assert torch.equal(o.pred_anomaly.a[0], maps['a'][0])  # scale 1: no resampling
