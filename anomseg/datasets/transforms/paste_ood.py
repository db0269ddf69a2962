import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from anomseg.utils.errors import InputError
from ..ood_bank import ObjectBank
from .style_align import align_style, check_style, soft_alpha

# How the published methods paste outliers. 'rba': RbA's released fine-tuning config (itself
# following Mask2Anomaly/PEBAL): with probability 0.1, one object at the size it has in its source
# image, at a random position. 'rpl': RPL pastes one object rescaled by a factor from 0.1 to 0.75
# (its config's ood_train_scale_array; drawn uniformly here) into every mixed image. 'eam':
# EAM/UNO paste several objects with sizes drawn from a range; the count and size range here are
# ours. Any key can be overridden in the config.
PASTE_PRESETS = {
    'rba': dict(prob=0.1, num_objects=(1, 1), scale=(1.0, 1.0)),
    'rpl': dict(prob=1.0, num_objects=(1, 1), scale=(0.1, 0.75)),
    'eam': dict(prob=1.0, num_objects=(1, 3), size=(0.1, 0.4)),
}


@TRANSFORMS.register_module()
class PasteOOD(BaseTransform):
    """Paste outlier objects from an object bank (``anomseg/datasets/ood_bank.py``) into the
    image and mark them in ``gt_seg_map`` with ``ood_label``, which the outlier losses read.

    Per image, with probability ``prob``: draw k objects (k uniform in ``num_objects``), each
    uniformly from the bank, resized either by a factor drawn from ``scale`` (1 = the object's
    size in its source image) or so that its longer side is a fraction drawn from ``size`` of the
    image's shorter side; shrunk further if it would not fit; mirrored with probability 0.5;
    placed at a uniform random position inside the image. Then:

    - ``style``: None (plain paste, the ablation), ``dict(type='lab')`` or
      ``dict(type='fourier', beta=0.05)`` (``style_align.py``) aligns the object to the scene.
    - ``blend_sigma`` > 0 feathers the object's edge inward with a Gaussian matte.
    - Labels: object pixels become ``ood_label``, except pixels that were ``ignore_index``, which
      stay ignore (nothing is known about them).

    Randomness comes from numpy's global generator, which mmengine seeds per worker from
    ``randomness.seed``: the same seed pastes the same objects at the same places.
    Place it after the geometric crop (so objects land inside the crop) and before photometric
    distortion (so that applies to pasted objects too).
    """

    def __init__(self, bank_root, preset=None, prob=None, num_objects=None, scale=None,
                 size=None, ood_label=254, ignore_index=255, style=None, blend_sigma=0.0):
        if preset is not None and preset not in PASTE_PRESETS:
            raise InputError(f'unknown paste preset {preset!r}; choose from '
                             f'{sorted(PASTE_PRESETS)}')
        cfg = dict(prob=1.0, num_objects=(1, 1), scale=None, size=None)
        cfg.update(PASTE_PRESETS.get(preset, {}))
        given = dict(prob=prob, num_objects=num_objects, scale=scale, size=size)
        if scale is not None or size is not None:
            cfg.update(scale=None, size=None)
        cfg.update({k: v for k, v in given.items() if v is not None})
        if cfg['scale'] is None and cfg['size'] is None:
            cfg['scale'] = (1.0, 1.0)
        if cfg['scale'] is not None and cfg['size'] is not None:
            raise InputError('give either scale (factor on the native size) or size (fraction of '
                             'the image), not both')
        if not 0 <= cfg['prob'] <= 1:
            raise InputError(f'prob must lie in [0, 1], got {cfg["prob"]}')
        lo, hi = cfg['num_objects']
        if not 0 < lo <= hi:
            raise InputError(f'num_objects must be (min, max) with 0 < min <= max, got {(lo, hi)}')
        if style is not None:
            check_style(style)
        self.bank = ObjectBank(bank_root)
        self.bank_root = bank_root
        self.preset = preset
        self.prob = cfg['prob']
        self.num_objects = (int(lo), int(hi))
        self.scale, self.size = cfg['scale'], cfg['size']
        self.ood_label = ood_label
        self.ignore_index = ignore_index
        self.style = style
        self.blend_sigma = blend_sigma

    def transform(self, results):
        if 'gt_seg_map' not in results:
            raise InputError('PasteOOD needs gt_seg_map: put it after LoadAnnotations')
        if np.random.rand() >= self.prob:
            return results
        scene = results['img']
        height, width = scene.shape[:2]
        canvas = scene.astype(np.float32)
        label = results['gt_seg_map'].copy()
        for _ in range(np.random.randint(self.num_objects[0], self.num_objects[1] + 1)):
            obj, mask = self.bank[np.random.randint(len(self.bank))]
            h, w = mask.shape
            if self.size is not None:
                factor = np.random.uniform(*self.size) * min(height, width) / max(h, w)
            else:
                factor = np.random.uniform(*self.scale)
            factor = min(factor, height / h, width / w)
            nh, nw = max(1, int(round(h * factor))), max(1, int(round(w * factor)))
            obj = cv2.resize(obj, (nw, nh), interpolation=cv2.INTER_LINEAR)
            mask = cv2.resize(mask.astype(np.uint8), (nw, nh),
                              interpolation=cv2.INTER_NEAREST).astype(bool)
            if np.random.rand() < 0.5:
                obj, mask = obj[:, ::-1], mask[:, ::-1]
            top = np.random.randint(0, height - nh + 1)
            left = np.random.randint(0, width - nw + 1)
            obj = align_style(np.ascontiguousarray(obj), mask, scene, top, left, self.style)
            alpha = (soft_alpha(mask, self.blend_sigma) * mask)[..., None]
            region = canvas[top:top + nh, left:left + nw]
            region[:] = alpha * obj + (1 - alpha) * region
            lab = label[top:top + nh, left:left + nw]
            lab[mask & (lab != self.ignore_index)] = self.ood_label
        results['img'] = np.clip(np.rint(canvas), 0, 255).astype(scene.dtype)
        results['gt_seg_map'] = label
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(bank_root={self.bank_root!r}, preset={self.preset!r}, '
                f'prob={self.prob}, num_objects={self.num_objects}, scale={self.scale}, '
                f'size={self.size}, ood_label={self.ood_label}, style={self.style}, '
                f'blend_sigma={self.blend_sigma})')
