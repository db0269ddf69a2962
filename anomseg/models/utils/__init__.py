from .freeze import freeze_except

__all__ = ['freeze_except']
