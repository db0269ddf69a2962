from .mask2former_head import AnomalyMask2FormerHead

__all__ = ['AnomalyMask2FormerHead']
