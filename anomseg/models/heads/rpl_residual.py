import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmseg.models.decode_heads.aspp_head import ASPPModule
from mmseg.models.utils import resize
from mmseg.registry import MODELS


@MODELS.register_module()
class RPLResidualModule(nn.Module):
    """The residual pattern learning module of RPL (Liu et al., ICCV 2023): an ASPP over one
    backbone feature map that outputs a residual r(x), added to the frozen decoder's features
    in front of its classifier, and a projection p(x) for CoroCL.

        a = conv1x1([pool(f), ASPP_d(f) for d in dilations]),  r = W_r a,  p = W_p a

    ``in_index`` picks the backbone output; ``out_channels`` must equal the channels of the
    decoder tensor the residual is added to. W_r starts at zero, so before training the model
    with the module predicts exactly what the frozen model predicts.
    """

    def __init__(self, in_channels, out_channels, in_index=-1, channels=256,
                 dilations=(1, 6, 12, 18), proj_channels=256, norm_cfg=None,
                 act_cfg=dict(type='ReLU')):
        super().__init__()
        self.in_index = in_index
        self.image_pool = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            ConvModule(in_channels, channels, 1, norm_cfg=norm_cfg, act_cfg=act_cfg))
        self.aspp = ASPPModule(dilations, in_channels, channels, conv_cfg=None,
                               norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.bottleneck = ConvModule((len(dilations) + 1) * channels, channels, 1,
                                     norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.residual = nn.Conv2d(channels, out_channels, 1, bias=False)
        self.projection = nn.Conv2d(channels, proj_channels, 1)
        nn.init.zeros_(self.residual.weight)

    def forward(self, feats):
        """Return (residual, projection), both at the resolution of the chosen feature map."""
        x = feats[self.in_index]
        pooled = resize(self.image_pool(x), size=x.shape[2:], mode='bilinear',
                        align_corners=False)
        a = self.bottleneck(torch.cat([pooled, *self.aspp(x)], dim=1))
        return self.residual(a), self.projection(a)
