from .camvid import CamVidCityscapesDataset, CamVidDataset
from .emidec import EMIDEC_CLASSES, EmidecDataset, anomaly_label_map, setting_metainfo
from .fishyscapes import FishyscapesDataset
from .lost_and_found import FishyscapesLAFDataset, LostAndFoundDataset
from .medical import MedicalSliceDataset
from .ood_bank import BANK_FORMAT, BANK_INDEX, ObjectBank
from .road_anomaly import RoadAnomalyDataset
from .smiyc import SMIYCDataset
from .synthroad import SYNTHROAD_CLASSES, SYNTHROAD_PALETTE, SynthRoadDataset
from .transforms import *  # noqa: F401,F403
from .validation_bundle import AnomalyBundleDataset

__all__ = ['AnomalyBundleDataset', 'CamVidCityscapesDataset', 'CamVidDataset', 'EMIDEC_CLASSES', 'EmidecDataset',
           'FishyscapesDataset', 'FishyscapesLAFDataset', 'LostAndFoundDataset',
           'BANK_FORMAT', 'BANK_INDEX', 'MedicalSliceDataset', 'ObjectBank',
           'RoadAnomalyDataset', 'SMIYCDataset',
           'SYNTHROAD_CLASSES', 'SYNTHROAD_PALETTE', 'SynthRoadDataset', 'anomaly_label_map',
           'setting_metainfo']
