"""The anomaly benchmarks anomseg reads in their official layouts: dataset settings and the
component-level size filters SMIYC applies to each. RoadAnomaly and Fishyscapes have no official
component evaluation; they use AnomalyTrack's filters (500 / 100 px), their closest relative."""
import os.path as osp

from mmseg.registry import DATASETS

ANOMALY_BENCHMARKS = {
    'RoadAnomaly': (dict(type='RoadAnomalyDataset'), 'AnomalyTrack'),
    'AnomalyTrack': (dict(type='SMIYCDataset', img_suffix='.jpg'), 'AnomalyTrack'),
    'ObstacleTrack': (dict(type='SMIYCDataset', img_suffix='.webp'), 'ObstacleTrack'),
    'LostAndFoundNoKnown': (dict(type='LostAndFoundDataset', split='test', no_known=True),
                            'LostAndFoundNoKnown'),
    'FishyscapesLAF': (dict(type='FishyscapesLAFDataset'), 'AnomalyTrack'),
    'FishyscapesStatic': (dict(type='FishyscapesDataset', img_suffix='.jpg'), 'AnomalyTrack'),
}


def build_benchmark(name, data_root, **options):
    """The benchmark's dataset (frames listed, no pipeline) and its component size filters."""
    if name not in ANOMALY_BENCHMARKS:
        raise KeyError(f'unknown benchmark {name!r}; known: {", ".join(ANOMALY_BENCHMARKS)}')
    settings, components = ANOMALY_BENCHMARKS[name]
    return DATASETS.build(dict(settings, data_root=data_root, pipeline=[], **options)), components


def frame_id(img_path):
    """A frame's id: the image file's stem, without LostAndFound's ``_leftImg8bit``."""
    stem = osp.splitext(osp.basename(img_path))[0]
    return stem[:-len('_leftImg8bit')] if stem.endswith('_leftImg8bit') else stem
