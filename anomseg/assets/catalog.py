"""The public files anomseg's commands need, with their official addresses and pinned sums.

An asset is either a single ``file`` (its download's SHA-256 is pinned) or a ``zip`` archive
whose extracted files are pinned one by one in a manifest (``manifests/NAME.json``: relative
path -> SHA-256), since it is the content, not the archive's packing, that the benchmarks read.
``shared`` names where the same content lies under ``$ANOMSEG_SHARED``: it is looked at first.

Only assets whose sums we could establish from a copy of the official file are listed. Not
listed, and why: the released ERFNet checkpoint (the shared copy is rebuilt from int8 exports,
not the released bytes), CamVid (the shared copy is re-encoded), the SMIYC and Fishyscapes
validation archives (the shared copies are subsets of the official archives).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Asset:
    name: str
    url: str
    shared: str  # the same content under $ANOMSEG_SHARED
    kind: str = 'file'  # 'file' or 'zip'
    sha256: str = ''  # of the file (kind 'file')
    size: int = 0  # bytes of the file, for the progress bar
    root: str = ''  # zip: the folder inside the archive that holds the manifest's files
    what: str = ''

    @property
    def filename(self):
        return self.url.rsplit('/', 1)[-1]


ASSETS = {a.name: a for a in [
    Asset('mobilenet_v2', 'https://download.pytorch.org/models/mobilenet_v2-b0353104.pth',
          shared='weights/mobilenet_v2-b0353104.pth',
          sha256='b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889',
          size=14212972, what="torchvision's ImageNet MobileNetV2 (the CPU models' backbone)"),
    Asset('espnetv2_cityscapes',
          'https://github.com/sacmehta/EdgeNets/raw/master/model/segmentation/model_zoo/'
          'espnetv2/espnetv2_s_2.0_city_1024x512.pth',
          shared='weights/espnetv2_s_2.0_city_1024x512.pth',
          sha256='a72d59699801c7ce8e8b89a53af9097eaaa60dc12180ecde86fd700ba1222fe8',
          size=3376094, what='ESPNetv2 s=2.0 trained on Cityscapes (EdgeNets model zoo)'),
    Asset('efficientvit_cityscapes',
          'https://huggingface.co/han-cai/efficientvit-seg/resolve/main/'
          'efficientvit_seg_b0_cityscapes.pt',
          shared='weights/efficientvit_seg_b0_cityscapes.pt',
          sha256='923d6fdd5e93640cc0c2f3f213764f34e80b477cd98a6b294d870ea6df5acc50',
          size=2924013,
          what='EfficientViT-Seg-B0 trained on Cityscapes (mit-han-lab/efficientvit)'),
    Asset('road_anomaly', 'https://datasets-cvlab.epfl.ch/2019-road-anomaly/RoadAnomaly_jpg.zip',
          shared='data/RoadAnomaly_jpg', kind='zip', root='RoadAnomaly_jpg',
          what='RoadAnomaly (Lis et al., ICCV 2019), jpg variant, 60 frames with labels'),
]}

# What each command needs, and nothing more.
TARGETS = {
    'demo': ['road_anomaly'],
    'quickstart': ['mobilenet_v2'],
    'camvid-zoo': ['mobilenet_v2', 'road_anomaly'],
    'cityscapes-models': ['efficientvit_cityscapes', 'espnetv2_cityscapes', 'road_anomaly'],
}
