"""The output stage of ERFNet (Romera et al., "ERFNet: Efficient Residual Factorized ConvNet for
Real-time Semantic Segmentation", T-ITS 2018): one 2x2 transposed convolution with stride 2 from
the decoder's 16 channels at half resolution to the class scores at full resolution,

    logits = ConvTranspose2d(16 -> K, kernel 2, stride 2)(decoder features),

on top of mmseg's ``ERFNet`` backbone (encoder and decoder). The released Cityscapes model has
K = 20 outputs: the 19 train classes, then a void channel trained as a class. ``void_channel``
says the weights have it; ``use_void_channel`` keeps it in the logits that scorers read (the
protocol of the published ERFNet anomaly table: softmax over all 20), else only the
``num_classes`` class channels are returned.
"""
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from anomseg.utils.errors import InputError


@MODELS.register_module()
class ERFNetHead(BaseDecodeHead):

    def __init__(self, void_channel=False, use_void_channel=False, **kwargs):
        super().__init__(**kwargs)
        if use_void_channel and not void_channel:
            raise InputError('use_void_channel needs void_channel=True')
        self.void_channel = void_channel
        self.use_void_channel = use_void_channel
        self.conv_seg = nn.ConvTranspose2d(self.in_channels,
                                           self.out_channels + int(void_channel), kernel_size=2,
                                           stride=2, padding=0, output_padding=0, bias=True)

    def forward(self, inputs):
        logits = self.cls_seg(self._transform_inputs(inputs))
        if self.void_channel and not self.use_void_channel:
            logits = logits[:, :self.out_channels]
        return logits
