"""ESPNetv2's encoder (Mehta et al., "ESPNetv2: A Light-weight, Power Efficient, and General
Purpose Convolutional Neural Network", CVPR 2019), as its authors' EdgeNets code builds it for
segmentation (the ImageNet network without its last stage), with the same module names so that
released checkpoints load by a prefix rename.

Building blocks (PReLU activations, BN, bias-free convolutions):

- EESP (reduce, split, transform, merge): a grouped 1x1 projection to n = C_out / K channels,
  K depth-wise 3x3 branches with dilations that grow up to a receptive-field limit, each branch
  added to the previous one (hierarchical feature fusion), BN + PReLU over the concatenation, a
  grouped 1x1 expansion; residual + PReLU where shapes agree.
- Down-sampler: [3x3 average pooling (stride 2), strided EESP] concatenated, plus the input image
  pooled to that size through a 3x3 and a 1x1 convolution ("input reinforcement"), PReLU.

Levels for width scale s: level1 a strided 3x3 CBR; level2_0 a down-sampler; level3_0 and level4_0
down-samplers each followed by 3 and 7 EESP blocks. Outputs the four levels (strides 2, 4, 8,
16), what ESPNetv2's segmentation decoder reads.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from anomseg.utils.errors import InputError

# Width of each level for a scale s (the authors' table); level5 is not used for segmentation.
ESPNETV2_CHANNELS = {0.5: (16, 32, 64, 128), 1.0: (32, 64, 128, 256), 1.25: (32, 80, 160, 320),
                     1.5: (32, 96, 192, 384), 2.0: (32, 128, 256, 512)}
RECEPTIVE_LIMITS = (13, 11, 9, 7)  # per level, largest receptive field of an EESP branch
BRANCHES = 4
REINFORCEMENT_CHANNELS = 3


class ConvBN(nn.Module):
    """conv (no bias), BN and, with ``act``, PReLU: the authors' CB / CBR."""

    def __init__(self, cin, cout, kernel, stride=1, groups=1, act=True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups,
                              bias=False)
        self.bn = nn.BatchNorm2d(cout)
        if act:
            self.act = nn.PReLU(cout)

    def forward(self, x):
        x = self.bn(self.conv(x))
        return self.act(x) if hasattr(self, 'act') else x


class BNPReLU(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels)
        self.act = nn.PReLU(channels)

    def forward(self, x):
        return self.act(self.bn(x))


class DepthwiseDilated(nn.Module):
    def __init__(self, channels, stride, dilation):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride, dilation, dilation=dilation,
                              groups=channels, bias=False)

    def forward(self, x):
        return self.conv(x)


class EESP(nn.Module):
    """Extremely efficient spatial pyramid of depth-wise dilated convolutions (see module doc).
    ``project_only`` (the strided EESP inside a down-sampler): return the expanded features,
    before the residual and activation."""

    def __init__(self, cin, cout, stride=1, branches=BRANCHES, receptive_limit=7,
                 project_only=False):
        super().__init__()
        n = cout // branches
        if n * branches != cout:
            raise InputError(f'EESP: {cout} output channels do not split into {branches} '
                             'branches')
        self.project_only = project_only
        self.proj_1x1 = ConvBN(cin, n, 1, groups=branches)
        # branch i has a 3+2i receptive field until the limit, then falls back to 3 (no dilation)
        sizes = sorted(k if k <= receptive_limit else 3 for k in range(3, 3 + 2 * branches, 2))
        self.spp_dw = nn.ModuleList(DepthwiseDilated(n, stride, (k - 1) // 2) for k in sizes)
        self.conv_1x1_exp = ConvBN(cout, cout, 1, groups=branches, act=False)
        self.br_after_cat = BNPReLU(cout)
        self.module_act = nn.PReLU(cout)

    def forward(self, x):
        reduced = self.proj_1x1(x)
        fused = [self.spp_dw[0](reduced)]
        for branch in self.spp_dw[1:]:
            fused.append(branch(reduced) + fused[-1])
        out = self.conv_1x1_exp(self.br_after_cat(torch.cat(fused, 1)))
        if self.project_only:
            return out
        if out.shape == x.shape:
            out = out + x
        return self.module_act(out)


class EESPDownsampler(nn.Module):
    """Average pooling beside a strided EESP, concatenated, plus the reinforced input image."""

    def __init__(self, cin, cout, receptive_limit, branches=BRANCHES, image_channels=3):
        super().__init__()
        self.eesp = EESP(cin, cout - cin, 2, branches, receptive_limit, project_only=True)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1)
        self.inp_reinf = nn.Sequential(
            ConvBN(image_channels, REINFORCEMENT_CHANNELS, 3),
            ConvBN(REINFORCEMENT_CHANNELS, cout, 1, act=False))
        self.act = nn.PReLU(cout)

    def forward(self, x, image):
        pooled = self.avg(x)
        out = torch.cat([pooled, self.eesp(x)], 1)
        while image.shape[2] > pooled.shape[2]:  # the same 3x3/2 pooling: sizes meet
            image = F.avg_pool2d(image, 3, stride=2, padding=1)
        return self.act(out + self.inp_reinf(image))


@MODELS.register_module()
class ESPNetV2(BaseModule):
    """ESPNetv2 encoder for segmentation; ``scale`` is the width factor s (2.0: 32, 128, 256,
    512 channels at strides 2, 4, 8, 16)."""

    def __init__(self, scale=2.0, in_channels=3, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if scale not in ESPNETV2_CHANNELS:
            raise InputError(f'ESPNetV2: scale {scale} is not one of {list(ESPNETV2_CHANNELS)}')
        c1, c2, c3, c4 = self.channels = ESPNETV2_CHANNELS[scale]
        lim = RECEPTIVE_LIMITS
        self.level1 = ConvBN(in_channels, c1, 3, stride=2)
        self.level2_0 = EESPDownsampler(c1, c2, lim[0], image_channels=in_channels)
        self.level3_0 = EESPDownsampler(c2, c3, lim[1], image_channels=in_channels)
        self.level3 = nn.ModuleList(EESP(c3, c3, receptive_limit=lim[2]) for _ in range(3))
        self.level4_0 = EESPDownsampler(c3, c4, lim[2], image_channels=in_channels)
        self.level4 = nn.ModuleList(EESP(c4, c4, receptive_limit=lim[3]) for _ in range(7))

    def forward(self, x):
        l1 = self.level1(x)
        l2 = self.level2_0(l1, x)
        l3 = self.level3_0(l2, x)
        for block in self.level3:
            l3 = block(l3)
        l4 = self.level4_0(l3, x)
        for block in self.level4:
            l4 = block(l4)
        return [l1, l2, l3, l4]
