from .camvid import CamVidDataset
from .smiyc import SMIYCDataset
from .synthroad import SYNTHROAD_CLASSES, SYNTHROAD_PALETTE, SynthRoadDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['CamVidDataset', 'SMIYCDataset', 'SYNTHROAD_CLASSES', 'SYNTHROAD_PALETTE',
           'SynthRoadDataset']
