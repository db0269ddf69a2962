"""The segmentation head of EfficientViT-Seg (Cai et al., ICCV 2023), module names as released
(``input_ops``, ``middle``, ``output_ops``) so that a checkpoint loads by a prefix rename; the
classifier is mmseg's ``conv_seg`` (released: ``output_ops.0.op_list.1.conv``).

From the backbone's stride-32, -16 and -8 features (deepest first): each projected to
``channels`` by a 1x1 conv with BN and upsampled bicubically (corners not aligned) to the size of
the stride-8 features; summed; one residual MBConv (expand ``expand_ratio``, BN after every
conv); a 1x1 conv to ``final_expand * channels`` (BN, hardswish); the 1x1 classifier. The
logits are at stride 8; the authors' evaluation upsamples them bicubically to the label size, and
so does ``predict_by_feat`` here.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS

from anomseg.models.backbones.efficientvit import ConvLayer, MBConv, OpSequential, ResidualBlock


def resize_bicubic(x, size):
    """Bicubic resize, corners not aligned, skipped at the size ``x`` has."""
    if tuple(x.shape[2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode='bicubic', align_corners=False)


@MODELS.register_module()
class EfficientViTSegHead(BaseDecodeHead):
    """``in_channels`` / ``in_index``: the stride-8, -16 and -32 inputs, shallowest first (mmseg's
    order); ``strides``: theirs."""

    def __init__(self, strides=(8, 16, 32), expand_ratio=4, final_expand=4, depth=1, **kwargs):
        super().__init__(input_transform='multiple_select', **kwargs)
        head_stride = min(strides)
        # released: [conv, bicubic upsampling] where the input is coarser, else the conv alone
        self.input_ops = nn.ModuleList(
            OpSequential([ConvLayer(cin, self.channels, 1)]) if stride > head_stride
            else ConvLayer(cin, self.channels, 1)
            for cin, stride in reversed(list(zip(self.in_channels, strides))))
        self.middle = OpSequential([
            ResidualBlock(MBConv(self.channels, self.channels, 1, expand_ratio))
            for _ in range(depth)])
        wide = self.channels * final_expand
        self.output_ops = nn.ModuleList([OpSequential([ConvLayer(self.channels, wide, 1,
                                                                 act=True)])])
        self.conv_seg = nn.Conv2d(wide, self.out_channels, 1)

    def forward(self, inputs):
        inputs = self._transform_inputs(inputs)[::-1]  # deepest first, as input_ops
        size = inputs[-1].shape[2:]
        feat = sum(resize_bicubic(op(x), size) for op, x in zip(self.input_ops, inputs))
        return self.cls_seg(self.output_ops[0](self.middle(feat)))

    def predict_by_feat(self, seg_logits, batch_img_metas):
        """mmseg's, with the authors' bicubic upsampling instead of bilinear."""
        meta = batch_img_metas[0]
        size = meta['img_shape'] if isinstance(meta['img_shape'], torch.Size) else \
            meta.get('pad_shape', meta['img_shape'])[:2]
        return resize_bicubic(seg_logits, tuple(size))
