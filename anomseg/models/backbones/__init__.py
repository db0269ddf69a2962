from .espnetv2 import ESPNetV2

__all__ = ['ESPNetV2']
