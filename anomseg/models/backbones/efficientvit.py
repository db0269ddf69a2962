"""EfficientViT (Cai et al., "EfficientViT: Lightweight Multi-Scale Attention for High-Resolution
Dense Prediction", ICCV 2023): the backbone of EfficientViT-Seg, module names as the authors
release them (``input_stem.op_list.*``, ``stages.N.op_list.M.*``) so that a checkpoint loads by a
prefix rename.

Layout (width w_i, depth d_i per stage; B0: w = 8, 16, 32, 64, 128, d = 1, 2, 2, 2, 2):
- stem: a 3x3 stride-2 conv (BN, hardswish), then d_0 residual depth-wise separable convs;
- stages 1-2: d_i MBConvs (expand 4, BN after every conv), the first with stride 2 and no
  shortcut, the others residual;
- stages 3-4: an MBConv with stride 2 (biases, BN after the last conv only), then d_i EfficientViT
  blocks: a residual lightweight multi-scale attention (``LiteMLA``) and a residual MBConv.

``LiteMLA``: q, k, v from a 1x1 conv; a second copy aggregated over 5x5 neighbourhoods (a
depth-wise 5x5 conv and a grouped 1x1 conv per head); per head of ``dim`` channels, ReLU linear
attention over all N positions,

    out_n = sum_m (relu(q_n) . relu(k_m)) v_m / (sum_m relu(q_n) . relu(k_m) + eps),

computed as relu(q) (relu(k)^T [v, 1]) in O(N dim^2); both scales' heads concatenated and
projected by a 1x1 conv with BN. Outputs: the stem's and each stage's features (strides 2, 4, 8,
16, 32), ``out_indices`` selecting.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS

ARCHS = {'b0': dict(widths=(8, 16, 32, 64, 128), depths=(1, 2, 2, 2, 2), dim=16)}


class OpSequential(nn.Module):
    """Modules applied in order, kept in ``op_list`` (the released name)."""

    def __init__(self, ops):
        super().__init__()
        self.op_list = nn.ModuleList(ops)

    def forward(self, x):
        for op in self.op_list:
            x = op(x)
        return x


class ConvLayer(nn.Module):
    """conv (same padding), optional BN, optional hardswish: ``conv`` / ``norm`` / ``act``."""

    def __init__(self, cin, cout, kernel=3, stride=1, groups=1, bias=False, norm=True,
                 act=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, groups=groups, bias=bias)
        self.norm = nn.BatchNorm2d(cout) if norm else None
        self.act = nn.Hardswish() if act else None

    def forward(self, x):
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return x if self.act is None else self.act(x)


class ResidualBlock(nn.Module):
    """``main(x) + x`` when ``residual``, else ``main(x)``."""

    def __init__(self, main, residual=True):
        super().__init__()
        self.main = main
        self.residual = residual

    def forward(self, x):
        return self.main(x) + x if self.residual else self.main(x)


class DSConv(nn.Module):
    """Depth-wise 3x3 conv (BN, hardswish), then a 1x1 conv (BN)."""

    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.depth_conv = ConvLayer(cin, cin, 3, stride, groups=cin, act=True)
        self.point_conv = ConvLayer(cin, cout, 1)

    def forward(self, x):
        return self.point_conv(self.depth_conv(x))


class MBConv(nn.Module):
    """Inverted residual body: 1x1 expand (hardswish), depth-wise 3x3 (hardswish), 1x1 project.
    ``fewer_norm``: the first two convs have biases and no BN (EfficientViT stages 3-4)."""

    def __init__(self, cin, cout, stride=1, expand_ratio=4, fewer_norm=False):
        super().__init__()
        mid = round(cin * expand_ratio)
        norm = not fewer_norm
        self.inverted_conv = ConvLayer(cin, mid, 1, bias=fewer_norm, norm=norm, act=True)
        self.depth_conv = ConvLayer(mid, mid, 3, stride, groups=mid, bias=fewer_norm, norm=norm,
                                    act=True)
        self.point_conv = ConvLayer(mid, cout, 1)

    def forward(self, x):
        return self.point_conv(self.depth_conv(self.inverted_conv(x)))


class LiteMLA(nn.Module):
    """Lightweight multi-scale ReLU linear attention (see the module docstring)."""

    def __init__(self, channels, dim=16, scales=(5, ), eps=1e-15):
        super().__init__()
        heads = channels // dim
        total = heads * dim
        self.dim, self.eps = dim, eps
        self.qkv = ConvLayer(channels, 3 * total, 1, norm=False)
        self.aggreg = nn.ModuleList([
            nn.Sequential(
                nn.Conv2d(3 * total, 3 * total, s, padding=s // 2, groups=3 * total, bias=False),
                nn.Conv2d(3 * total, 3 * total, 1, groups=3 * heads, bias=False))
            for s in scales])
        self.proj = ConvLayer(total * (1 + len(scales)), channels, 1)

    def attention(self, qkv):
        """ReLU linear attention per head: (B, heads * 3 * dim, H, W) -> (B, heads * dim, H, W),
        in float32 whatever the input's precision."""
        b, _, h, w = qkv.shape
        dtype = qkv.dtype
        qkv = qkv.float().reshape(b, -1, 3 * self.dim, h * w).transpose(-1, -2)
        q, k, v = qkv.split(self.dim, dim=-1)
        q, k = F.relu(q), F.relu(k)
        kv = k.transpose(-1, -2) @ F.pad(v, (0, 1), value=1.0)  # (dim, dim + 1) per head
        out = q @ kv
        out = out[..., :-1] / (out[..., -1:] + self.eps)
        return out.transpose(-1, -2).reshape(b, -1, h, w).to(dtype)

    def forward(self, x):
        qkv = self.qkv(x)
        qkv = torch.cat([qkv] + [op(qkv) for op in self.aggreg], dim=1)
        return self.proj(self.attention(qkv))


class EfficientViTBlock(nn.Module):
    """Residual LiteMLA (context), then a residual MBConv with fewer norms (local)."""

    def __init__(self, channels, dim=16, expand_ratio=4):
        super().__init__()
        self.context_module = ResidualBlock(LiteMLA(channels, dim))
        self.local_module = ResidualBlock(MBConv(channels, channels, 1, expand_ratio,
                                                 fewer_norm=True))

    def forward(self, x):
        return self.local_module(self.context_module(x))


@MODELS.register_module()
class EfficientViT(BaseModule):
    """EfficientViT backbone (``arch='b0'``); returns the features of ``out_indices`` among
    (stem, stage 1, 2, 3, 4), strides 2, 4, 8, 16, 32."""

    def __init__(self, arch='b0', in_channels=3, expand_ratio=4, out_indices=(2, 3, 4),
                 init_cfg=None):
        super().__init__(init_cfg)
        spec = ARCHS[arch]
        widths, depths, dim = spec['widths'], spec['depths'], spec['dim']
        stem = [ConvLayer(in_channels, widths[0], 3, 2, act=True)]
        stem += [ResidualBlock(DSConv(widths[0], widths[0])) for _ in range(depths[0])]
        self.input_stem = OpSequential(stem)
        stages, cin = [], widths[0]
        for w, d in zip(widths[1:3], depths[1:3]):
            blocks = [ResidualBlock(MBConv(cin if i == 0 else w, w, 2 if i == 0 else 1,
                                           expand_ratio), residual=i > 0) for i in range(d)]
            stages.append(OpSequential(blocks))
            cin = w
        for w, d in zip(widths[3:], depths[3:]):
            blocks = [ResidualBlock(MBConv(cin, w, 2, expand_ratio, fewer_norm=True),
                                    residual=False)]
            blocks += [EfficientViTBlock(w, dim, expand_ratio) for _ in range(d)]
            stages.append(OpSequential(blocks))
            cin = w
        self.stages = nn.ModuleList(stages)
        self.widths = widths
        self.out_indices = tuple(out_indices)

    def forward(self, x):
        outs = [self.input_stem(x)]
        for stage in self.stages:
            outs.append(stage(outs[-1]))
        return tuple(outs[i] for i in self.out_indices)
