from .efficientvit_head import EfficientViTSegHead
from .erfnet_head import ERFNetHead
from .espnetv2_head import ESPNetV2Head
from .mask2former_head import AnomalyMask2FormerHead
from .rpl_residual import RPLResidualModule

__all__ = ['AnomalyMask2FormerHead', 'EfficientViTSegHead', 'ERFNetHead', 'ESPNetV2Head',
           'RPLResidualModule']
