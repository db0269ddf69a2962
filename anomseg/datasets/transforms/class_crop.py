import numpy as np
from mmcv.transforms.utils import cache_randomness
from mmseg.datasets.transforms import RandomCrop
from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomCropNearClasses(RandomCrop):
    """mmseg's ``RandomCrop`` that, with probability ``prob``, places the crop so that it holds a
    random pixel of ``classes`` (``gt_seg_map``) at a uniformly random position inside it; the
    other crops (and frames without such pixels) are uniform as in ``RandomCrop``. For small
    organs in large slices (the heart covers about 3% of a cardiac MRI slice), so that most
    training crops see the organ while some still see the rest of the body."""

    def __init__(self, crop_size, classes, prob=0.8, **kwargs):
        super().__init__(crop_size, **kwargs)
        self.classes = tuple(classes)
        self.prob = prob

    @cache_randomness
    def crop_bbox(self, results):
        ys, xs = np.nonzero(np.isin(results['gt_seg_map'], self.classes))
        if len(ys) == 0 or np.random.rand() >= self.prob:
            return super().crop_bbox(results)
        h, w = results['img'].shape[:2]
        ch, cw = min(self.crop_size[0], h), min(self.crop_size[1], w)
        i = np.random.randint(len(ys))
        top = np.clip(ys[i] - np.random.randint(ch), 0, h - ch)
        left = np.clip(xs[i] - np.random.randint(cw), 0, w - cw)
        return int(top), int(top + ch), int(left), int(left + cw)
