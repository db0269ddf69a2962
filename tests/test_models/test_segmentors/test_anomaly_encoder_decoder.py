import os.path as osp

import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

import anomseg  # noqa: F401

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
CONFIG = osp.join(REPO, 'configs', 'deeplabv3plus', 'deeplabv3plus_mnv2_1k_synthroad-256x256.py')


def build(scorer=None):
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = None
    if scorer is not None:
        cfg.model.test_cfg.scorer = scorer
    model = MODELS.build(cfg.model).eval()
    return model


def samples(batch, shape, ori_shape):
    out = []
    for _ in range(batch):
        s = SegDataSample()
        s.set_metainfo(dict(img_shape=shape, ori_shape=ori_shape, pad_shape=shape,
                            padding_size=[0, 0, 0, 0]))
        out.append(s)
    return out


def test_pred_anomaly_at_input_resolution_for_every_scorer():
    torch.manual_seed(0)
    model = build()
    x = torch.randn(2, 3, 64, 96)
    with torch.no_grad():
        out = model.predict(x, samples(2, (64, 96), (48, 72)))
    for s in out:
        pa = s.pred_anomaly
        assert pa.scorers == ['msp', 'max_logit', 'entropy', 'energy']
        assert pa.data.shape == (1, 48, 72) and pa.data.dtype == torch.float32
        logits = s.seg_logits.data  # (C, 48, 72) after mmseg's resize to ori_shape
        p = torch.softmax(logits, 0)
        assert torch.allclose(pa.msp[0], 1 - p.max(0).values, atol=1e-6)
        assert torch.allclose(pa.max_logit[0], -logits.max(0).values)
        assert torch.allclose(pa.energy[0], -torch.logsumexp(logits, 0), atol=1e-5)
        assert torch.equal(pa.data, pa.msp)
        assert s.pred_sem_seg.data.shape == (1, 48, 72)


def test_scorer_selection_from_config():
    model = build(scorer=['energy', 'msp'])
    with torch.no_grad():
        out = model.predict(torch.randn(1, 3, 32, 32), samples(1, (32, 32), (32, 32)))
    assert out[0].pred_anomaly.scorers == ['energy', 'msp']
    assert torch.equal(out[0].pred_anomaly.data, out[0].pred_anomaly.energy)
