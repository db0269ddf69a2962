"""2.5D input: a slice of a volume with its two neighbours as the image's three channels.

A 2D model of a volume sees one slice; a thin structure (an infarct in the myocardium's wall)
is clearer with the slices above and below it. Stacking the neighbours as channels keeps the
model 2D and its ImageNet-pretrained first layer's shape (three channels), as in 2.5D
segmentation (e.g. Zhou et al., "Deep learning of the sectional appearances of 3D CT images
for anatomical structure segmentation", Med. Phys. 2017).

The channels are (previous slice, slice, next slice), grey levels as stored; the first and the
last slice of a volume repeat themselves as their outer neighbour. A config chooses it by
loading with ``LoadSliceStack`` in both its training and test pipelines; ``tools/infer.py``
then stacks the slices of a volume the same way (``anomseg.apis.volume_inference``).
"""
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from anomseg.utils.errors import InputError
from .loading import LoadImageFromFileChecked


def stack_slices(previous, current, following):
    """(H, W, 3) uint8 image of three (H, W) slices, channels (previous, current, next)."""
    return np.dstack([previous, current, following])


@TRANSFORMS.register_module()
class LoadSliceStack(BaseTransform):
    """Load ``img_path`` with the slices of ``neighbour_paths`` (previous, next: the dataset
    names them, e.g. ``EmidecDataset``) as one (H, W, 3) uint8 image, channels (previous,
    slice, next). A sample without ``neighbour_paths``, an unreadable slice or a neighbour of
    another size is an error naming the file."""

    def transform(self, results):
        path = results['img_path']
        if results.get('neighbour_paths') is None:
            raise InputError(f'{path}: LoadSliceStack needs the slices either side of it '
                             '(neighbour_paths), which this dataset does not give')
        previous, following = results['neighbour_paths']
        load = LoadImageFromFileChecked(color_type='grayscale')  # grey levels, errors named
        current = load(dict(img_path=path))['img']
        planes = []
        for neighbour in (previous, following):
            plane = load(dict(img_path=neighbour))['img']
            if plane.shape != current.shape:
                raise InputError(f'{neighbour}: a slice of {plane.shape[1]}x{plane.shape[0]} '
                                 f'beside {path} of {current.shape[1]}x{current.shape[0]}')
            planes.append(plane)
        img = stack_slices(planes[0], current, planes[1])
        results.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        return results


def stacks_slices(cfg):
    """Whether the config's test pipeline loads each slice with its neighbours
    (``LoadSliceStack``): its model must then be given slices of volumes, never single
    images."""
    pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get('pipeline', [])
    return any(step.get('type') == 'LoadSliceStack' for step in pipeline)
