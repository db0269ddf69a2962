from .efficientvit import EfficientViT
from .espnetv2 import ESPNetV2

__all__ = ['EfficientViT', 'ESPNetV2']
