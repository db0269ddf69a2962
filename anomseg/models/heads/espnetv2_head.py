"""ESPNetv2's segmentation decoder (Mehta et al., CVPR 2019; the authors' EdgeNets code), module
names as released so that checkpoints load by a prefix rename.

From the encoder's four levels l1..l4 (strides 2..16), bottom-up: an efficient pyramid pooling
(EPP) block on l4, then three times: upsample x2 (bilinear, corners aligned), add the next
encoder level gated by a squeeze-style weight (``EfficientPWConv``: sigmoid(1x1 conv of the
global mean) times a grouped 3x3 CBR of it), BN + PReLU, EPP. The last EPP outputs the class
scores at stride 2; they are upsampled to the input size (bilinear, corners aligned).

EPP: project to p channels (1x1 CBR); five depth-wise 3x3 convolutions at scales 2, 1.5, 1, 0.5,
0.1 of the map (resize, convolve, resize back; at least 5x5), concatenated, BN + PReLU, channel
shuffle, a grouped 3x3 CBR back to p, a 1x1 convolution to the output, and BN + PReLU except in
the last block. Decoder widths for Cityscapes: 64, 48, 32, then the K classes; p = min(K // 2,
16).

The released Cityscapes model has K = 20 outputs: the 19 classes and a background channel;
``void_channel`` / ``use_void_channel`` as in ``ERFNetHead``.
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from anomseg.utils.errors import InputError

EPP_SCALES = (2.0, 1.5, 1.0, 0.5, 0.1)


def _up(x, size):
    return F.interpolate(x, size, mode='bilinear', align_corners=True)


def _adaptive_avg_pool(x, size):
    """``F.adaptive_avg_pool2d``. While traced for ONNX, which cannot export adaptive pooling
    to sizes that do not divide the input, the same average as a fixed linear map per axis:
    output i of n averages inputs floor(i m / n) .. ceil((i + 1) m / n) - 1 of m."""
    if not (torch.jit.is_tracing() or torch.onnx.is_in_onnx_export()):
        return F.adaptive_avg_pool2d(x, size)

    def bins(m, n):  # built in numpy: a constant of the graph, not traced in-place writes
        weights = np.zeros((n, m), np.float32)
        for i in range(n):
            start, end = (i * m) // n, -((-(i + 1) * m) // n)
            weights[i, start:end] = 1.0 / (end - start)
        return torch.from_numpy(weights).to(x)

    h, w = (int(v) for v in x.shape[2:])
    return bins(h, size[0]) @ x @ bins(w, size[1]).T


class SeqCBR(nn.Sequential):
    """conv (no bias), BN, PReLU as one Sequential (the EdgeNets ``cnn_utils.CBR`` names)."""

    def __init__(self, cin, cout, kernel, groups=1):
        super().__init__()
        self.cbr = nn.Sequential(
            nn.Conv2d(cin, cout, kernel, 1, (kernel - 1) // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout), nn.PReLU(cout))


class SeqBR(nn.Sequential):
    def __init__(self, channels):
        super().__init__()
        self.br = nn.Sequential(nn.BatchNorm2d(channels), nn.PReLU(channels))


class ChannelShuffle(nn.Module):
    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class EfficientPyramidPooling(nn.Module):
    def __init__(self, cin, proj, cout, last=False):
        super().__init__()
        self.projection_layer = SeqCBR(cin, proj, 1)
        self.stages = nn.ModuleList(
            nn.Conv2d(proj, proj, 3, 1, 1, groups=proj, bias=False) for _ in EPP_SCALES)
        self.merge_layer = nn.Sequential(
            SeqBR(proj * len(EPP_SCALES)), ChannelShuffle(len(EPP_SCALES)),
            SeqCBR(proj * len(EPP_SCALES), proj, 3, groups=proj),
            nn.Conv2d(proj, cout, 1, bias=last))
        if not last:
            self.br = SeqBR(cout)

    def forward(self, x):
        x = self.projection_layer(x)
        h, w = x.shape[2:]
        outs = []
        for scale, conv in zip(EPP_SCALES, self.stages):
            size = (max(5, math.ceil(h * scale)), max(5, math.ceil(w * scale)))
            if scale > 1:
                outs.append(_adaptive_avg_pool(conv(_up(x, size)), (h, w)))
            elif scale < 1:
                outs.append(_up(conv(_adaptive_avg_pool(x, size)), (h, w)))
            else:
                outs.append(conv(x))
        out = self.merge_layer(torch.cat(outs, 1))
        return self.br(out) if hasattr(self, 'br') else out


class GatedProjection(nn.Module):
    """EfficientPWConv: sigmoid(1x1 conv(global mean)) * grouped 3x3 CBR."""

    def __init__(self, cin, cout):
        super().__init__()
        self.wt_layer = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(cin, cout, 1, bias=False),
                                      nn.Sigmoid())
        self.expansion_layer = SeqCBR(cin, cout, 3, groups=math.gcd(cin, cout))

    def forward(self, x):
        return self.expansion_layer(x) * self.wt_layer(x)


@MODELS.register_module()
class ESPNetV2Head(BaseDecodeHead):
    """``in_channels``: the encoder's four widths (32, 128, 256, 512 for s = 2.0);
    ``channels``: the base decoder width (16 for Cityscapes)."""

    def __init__(self, void_channel=False, use_void_channel=False, init_cfg=None, **kwargs):
        # no conv_seg for BaseDecodeHead's default init to find: PyTorch's own initialisation
        super().__init__(input_transform='multiple_select', init_cfg=init_cfg, **kwargs)
        if use_void_channel and not void_channel:
            raise InputError('use_void_channel needs void_channel=True')
        self.void_channel, self.use_void_channel = void_channel, use_void_channel
        del self.conv_seg  # the last pyramid block classifies
        c1, c2, c3, c4 = self.in_channels
        outputs = self.out_channels + int(void_channel)
        widths = (4 * self.channels, 3 * self.channels, 2 * self.channels)
        proj = min(outputs // 2, self.channels)
        self.bu_dec_l1 = EfficientPyramidPooling(c4, proj, widths[0])
        self.bu_dec_l2 = EfficientPyramidPooling(widths[0], proj, widths[1])
        self.bu_dec_l3 = EfficientPyramidPooling(widths[1], proj, widths[2])
        self.bu_dec_l4 = EfficientPyramidPooling(widths[2], proj, outputs, last=True)
        self.merge_enc_dec_l2 = GatedProjection(c3, widths[0])
        self.merge_enc_dec_l3 = GatedProjection(c2, widths[1])
        self.merge_enc_dec_l4 = GatedProjection(c1, widths[2])
        self.bu_br_l2 = nn.Sequential(nn.BatchNorm2d(widths[0]), nn.PReLU(widths[0]))
        self.bu_br_l3 = nn.Sequential(nn.BatchNorm2d(widths[1]), nn.PReLU(widths[1]))
        self.bu_br_l4 = nn.Sequential(nn.BatchNorm2d(widths[2]), nn.PReLU(widths[2]))

    def forward(self, inputs):
        l1, l2, l3, l4 = self._transform_inputs(inputs)
        out = self.bu_dec_l1(l4)
        for skip, merge, br, dec in ((l3, self.merge_enc_dec_l2, self.bu_br_l2, self.bu_dec_l2),
                                     (l2, self.merge_enc_dec_l3, self.bu_br_l3, self.bu_dec_l3),
                                     (l1, self.merge_enc_dec_l4, self.bu_br_l4, self.bu_dec_l4)):
            out = dec(br(merge(skip) + _up(out, tuple(2 * s for s in out.shape[2:]))))
        out = _up(out, tuple(2 * s for s in out.shape[2:]))  # stride 2 -> the input size
        if self.void_channel and not self.use_void_channel:
            out = out[:, :self.out_channels]
        return out
