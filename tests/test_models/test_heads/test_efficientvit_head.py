"""The released EfficientViT-Seg-B0 (mit-han-lab/efficientvit) as anomseg's EfficientViT backbone
+ EfficientViTSegHead, against a forward written here from the released state dict with
functional ops and quadratic (explicit N x N) attention."""
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmseg.registry import MODELS

from anomseg.utils import efficientvit_seg_to_mmseg
from tests.conftest import REPO, require_shared
from tests.test_models.test_heads.road_frames import road_shares

CONFIG = osp.join(REPO, 'configs', 'efficientvit',
                  'efficientvit_b0_released_cityscapes-1024x2048.py')


def build():
    return MODELS.build(Config.fromfile(CONFIG).model).eval()


def released():
    path = require_shared('weights', 'efficientvit_seg_b0_cityscapes.pt')
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def released_model():
    model = build()
    model.load_state_dict(efficientvit_seg_to_mmseg(released())[0], strict=True)
    return model


# --- the reference: the released network as functions of its state dict -----------------------

def conv(sd, name, x, stride=1, groups=1, norm=True, act=False):
    w = sd[name + '.conv.weight']
    x = F.conv2d(x, w, sd.get(name + '.conv.bias'), stride, w.shape[-1] // 2, 1, groups)
    if norm:
        x = F.batch_norm(x, sd[name + '.norm.running_mean'], sd[name + '.norm.running_var'],
                         sd[name + '.norm.weight'], sd[name + '.norm.bias'], eps=1e-5)
    return x * F.relu6(x + 3) / 6 if act else x  # hardswish


def mbconv(sd, name, x, stride=1, fewer_norm=False):
    mid = sd[name + '.inverted_conv.conv.weight'].shape[0]
    x = conv(sd, name + '.inverted_conv', x, norm=not fewer_norm, act=True)
    x = conv(sd, name + '.depth_conv', x, stride, mid, norm=not fewer_norm, act=True)
    return conv(sd, name + '.point_conv', x)


def attention(sd, name, x, dim=16):
    """Quadratic form: A = relu(q) relu(k)^T, out = A v / rowsum(A) per head."""
    qkv = conv(sd, name + '.qkv', x, norm=False)
    c = qkv.shape[1]
    heads = c // (3 * dim)
    agg = F.conv2d(qkv, sd[name + '.aggreg.0.0.weight'], None, 1, 2, 1, c)
    agg = F.conv2d(agg, sd[name + '.aggreg.0.1.weight'], None, 1, 0, 1, 3 * heads)
    outs = []
    for t in (qkv, agg):
        b, _, h, w = t.shape
        for head in range(heads):
            q, k, v = (t[:, (3 * head + j) * dim:(3 * head + j + 1) * dim].flatten(2)
                       for j in range(3))
            a = torch.einsum('bcn,bcm->bnm', F.relu(q).double(), F.relu(k).double())
            o = torch.einsum('bnm,bcm->bcn', a, v.double()) / (a.sum(-1)[:, None] + 1e-15)
            outs.append(o.float().reshape(b, dim, h, w))
    return conv(sd, name + '.proj', torch.cat(outs, 1))


def reference_logits(sd, x):
    x = conv(sd, 'backbone.input_stem.op_list.0', x, 2, act=True)
    c = x.shape[1]
    y = conv(sd, 'backbone.input_stem.op_list.1.main.depth_conv', x, groups=c, act=True)
    x = x + conv(sd, 'backbone.input_stem.op_list.1.main.point_conv', y)
    feats = {}
    for stage in range(4):
        prefix = f'backbone.stages.{stage}.op_list'
        x = mbconv(sd, f'{prefix}.0.main', x, 2, fewer_norm=stage >= 2)
        for block in ((1, ) if stage < 2 else (1, 2)):  # depths 2, 2, 1 + 2, 1 + 2
            if stage < 2:
                x = x + mbconv(sd, f'{prefix}.{block}.main', x)
            else:
                x = x + attention(sd, f'{prefix}.{block}.context_module.main', x)
                x = x + mbconv(sd, f'{prefix}.{block}.local_module.main', x, fewer_norm=True)
        feats[stage] = x
    size = feats[1].shape[2:]
    fused = sum(F.interpolate(conv(sd, f'head.input_ops.{i}.op_list.0', feats[s]), size=size,
                              mode='bicubic', align_corners=False)
                for i, s in ((0, 3), (1, 2)))
    fused = fused + conv(sd, 'head.input_ops.2', feats[1])
    fused = fused + mbconv(sd, 'head.middle.op_list.0.main', fused)
    out = conv(sd, 'head.output_ops.0.op_list.0', fused, act=True)
    return conv(sd, 'head.output_ops.0.op_list.1', out, norm=False)


# --- tests ---------------------------------------------------------------------------------------

def test_every_released_tensor_maps_one_to_one():
    state = released()
    converted, dropped = efficientvit_seg_to_mmseg(state)
    assert dropped == [] and len(converted) == len(state) == 230
    model = build()
    assert set(converted) == set(model.state_dict())
    assert sum(p.numel() for p in model.parameters()) == 706691  # the release's 0.71 M
    for key, value in converted.items():
        src = key.replace('decode_head.conv_seg.', 'head.output_ops.0.op_list.1.conv.')
        src = src.replace('decode_head.', 'head.')
        assert torch.equal(state[src], value)


def test_logits_equal_the_reference_forward():
    """Random input at 160x224 (not a multiple of 32 in the last stage: 5x7 positions)."""
    model = released_model()
    x = torch.randn(1, 3, 160, 224, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        ours = model.decode_head(model.extract_feat(x))
        ref = reference_logits(released(), x)
    assert ours.shape == (1, 19, 20, 28)
    assert torch.allclose(ours, ref, atol=1e-4, rtol=1e-4), (ours - ref).abs().max()


def test_perturbed_weights_and_a_batch_match_the_reference_too():
    """Every released tensor scaled by a random factor in [0.7, 1.3]; two images at once."""
    model = released_model()
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for p in model.state_dict().values():
            if p.is_floating_point():
                p.mul_(0.7 + 0.6 * torch.rand(p.shape, generator=g))
    state = {k.replace('decode_head.conv_seg.', 'head.output_ops.0.op_list.1.conv.')
             .replace('decode_head.', 'head.'): v for k, v in model.state_dict().items()}
    x = torch.randn(2, 3, 64, 96, generator=g)
    with torch.no_grad():
        ours = model.decode_head(model.extract_feat(x))
        ref = reference_logits(state, x)
    scale = float(ref.abs().max())  # logits in the hundreds: float32 rounding relative to them
    assert torch.allclose(ours, ref, atol=1e-5 * scale, rtol=1e-4), (ours - ref).abs().max()


def test_predict_upsamples_bicubically_to_the_input():
    model = released_model()
    x = torch.randn(1, 3, 64, 128)
    with torch.no_grad():
        logits = model.decode_head(model.extract_feat(x))
        pred = model.predict(x)[0]
    expect = F.interpolate(logits, size=(64, 128), mode='bicubic', align_corners=False)[0]
    assert torch.allclose(pred.seg_logits.data, expect, atol=1e-5)
    assert set(pred.keys()) >= {'seg_logits', 'pred_sem_seg'}


@pytest.mark.slow
def test_released_model_sees_road_on_real_frames():
    model = released_model()
    shares = road_shares(model)
    assert np.median(shares) > 0.6, shares


def test_converter_writes_a_file_mmseg_loads(tmp_path):
    src = require_shared('weights', 'efficientvit_seg_b0_cityscapes.pt')
    dst = str(tmp_path / 'efficientvit.pth')
    out = subprocess.run([sys.executable, 'tools/model_converters/efficientvit2mmseg.py', src,
                          dst], cwd=REPO, check=True, capture_output=True, text=True).stdout
    assert '230 tensors; left out: none' in out
    stored = torch.load(dst, map_location='cpu', weights_only=True)
    assert stored['meta']['dataset_meta']['classes'][0] == 'road'
    model = build()
    model.load_state_dict(stored['state_dict'], strict=True)
