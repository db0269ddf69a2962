"""The anomaly benchmarks anomseg reads in their official layouts: dataset settings and the
component-level size filters SMIYC applies to each. RoadAnomaly and Fishyscapes have no official
component evaluation; they use AnomalyTrack's filters (500 / 100 px), their closest relative."""
import glob
import os.path as osp

from mmseg.registry import DATASETS

from anomseg.utils.errors import InputError
from .transforms import LoadAnomalyAnnotations, LoadImageFromFileChecked
from .validation_bundle import BUNDLE_LAYOUT, is_bundle_layout

ANOMALY_BENCHMARKS = {
    'RoadAnomaly': (dict(type='RoadAnomalyDataset'), 'AnomalyTrack'),
    'AnomalyTrack': (dict(type='SMIYCDataset', img_suffix='.jpg'), 'AnomalyTrack'),
    'ObstacleTrack': (dict(type='SMIYCDataset', img_suffix='.webp'), 'ObstacleTrack'),
    'LostAndFoundNoKnown': (dict(type='LostAndFoundDataset', split='test', no_known=True),
                            'LostAndFoundNoKnown'),
    'FishyscapesLAF': (dict(type='FishyscapesLAFDataset'), 'AnomalyTrack'),
    'FishyscapesStatic': (dict(type='FishyscapesDataset', img_suffix='.jpg'), 'AnomalyTrack'),
}


# Each benchmark's official layout: (glob under the root that only it matches, description).
OFFICIAL_LAYOUTS = {
    'RoadAnomaly': ('frame_list.json', 'the official EPFL layout (frame_list.json, '
                    'frames/NAME.jpg, frames/NAME.labels/labels_semantic.png)'),
    'AnomalyTrack': ('labels_masks/*_labels_semantic.png', 'the SMIYC layout (images/NAME.jpg, '
                     'labels_masks/NAME_labels_semantic.png)'),
    'ObstacleTrack': ('labels_masks/*_labels_semantic.png', 'the SMIYC layout (images/NAME.webp, '
                      'labels_masks/NAME_labels_semantic.png)'),
    'LostAndFoundNoKnown': ('leftImg8bit', 'the LostAndFound layout (leftImg8bit/, gtCoarse/)'),
    'FishyscapesLAF': ('*_labels.png', 'the Fishyscapes L&F labels (ID_labels.png), images from '
                       '--laf-root'),
    'FishyscapesStatic': (None, None),  # its release is the bundle layout itself
}
# The bundle's labels in each benchmark's convention, mapped to 0 / 1 / 255.
BUNDLE_LABEL_MAPS = {'RoadAnomaly': {2: 1}}


def benchmark_dataset(name, data_root, **options):
    """Dataset settings for benchmark ``name`` at ``data_root``: its official layout where the
    folder has it, else the validation bundle (``AnomalyBundleDataset``; ``options`` such as
    ``laf_root`` are not needed there), else an error naming the folder and the layouts
    accepted."""
    if name not in ANOMALY_BENCHMARKS:
        raise InputError(f'unknown benchmark {name!r}; known: {", ".join(ANOMALY_BENCHMARKS)}')
    if not osp.isdir(data_root):
        raise FileNotFoundError(f'{name}: benchmark folder {data_root} does not exist')
    settings, _ = ANOMALY_BENCHMARKS[name]
    marker, official = OFFICIAL_LAYOUTS[name]
    if marker and glob.glob(osp.join(data_root, marker)):
        if name == 'FishyscapesLAF' and not options.get('laf_root'):
            raise InputError(f'{name}: the labels in {data_root} need the LostAndFound images: '
                             'give --laf-root (the LostAndFound download, leftImg8bit/)')
        return dict(settings, data_root=data_root, **options)
    if is_bundle_layout(data_root):
        return dict(type='AnomalyBundleDataset', data_root=data_root,
                    anomaly_label_map=BUNDLE_LABEL_MAPS.get(name))
    accepted = '; '.join(x for x in (official, BUNDLE_LAYOUT) if x)
    raise FileNotFoundError(f'{name}: {data_root} is in none of the layouts accepted: {accepted}')


def build_benchmark(name, data_root, **options):
    """The benchmark's dataset (frames listed, no pipeline) and its component size filters."""
    settings = benchmark_dataset(name, data_root, **options)
    return DATASETS.build(dict(settings, pipeline=[])), ANOMALY_BENCHMARKS[name][1]


def benchmark_frames(dataset):
    """(info, BGR uint8 image, anomaly labels) of each frame of a ``build_benchmark`` dataset,
    in order, one at a time; an image that cannot be read is an error naming it."""
    load_image = LoadImageFromFileChecked()  # BGR uint8, an unreadable file named
    load_labels = LoadAnomalyAnnotations(with_instances=False)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        yield (info, load_image(dict(img_path=info['img_path']))['img'],
               load_labels(dict(info))['gt_anomaly_map'])


def frame_id(img_path):
    """A frame's id: the image file's stem, without LostAndFound's ``_leftImg8bit``."""
    stem = osp.splitext(osp.basename(img_path))[0]
    return stem[:-len('_leftImg8bit')] if stem.endswith('_leftImg8bit') else stem
