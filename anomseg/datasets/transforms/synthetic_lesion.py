"""Synthetic lesions: intensity-textured blobs blended into a slice, for held-out test slices
(e.g. a test set of inserted lesions) and as outlier exposure in training (``InsertSyntheticLesion``).

The procedure, after "Natural Synthetic Anomalies" (Schlüter et al., ECCV 2022) in spirit, but
with intensity-textured blobs rather than patches cut from other images:

1. the blob's shape is a smooth star-shaped polygon, r(t) = 1 + sum_{k=2..5} a_k cos(k t + p_k),
   of diameter d ~ U(``size``) pixels and aspect ratio in [0.5, 1.5], centred on a pixel of the
   region of interest eroded by d / 4 (so most of the blob lies inside the organ);
2. its texture is Gaussian noise smoothed at sigma = ``texture_sigma`` (default d / 8) pixels,
   scaled to [-1, 1];
3. its intensity change is delta(x) = s * c * ((1 - a) + a * texture(x)), with sign s = +/-1
   (hyper- or hypo-intense), contrast c ~ U(``contrast``) grey levels and texture weight
   a = ``texture_amount``: 0.25 (default) gives a smooth lesion that is brighter or darker than
   its tissue, 1 a speckled one with no mean shift;
4. it is blended in with a Gaussian-feathered alpha (sigma 1.5 px):
   out = clip(image + alpha * delta, 0, 255);
5. the anomaly label is alpha >= 0.5 inside the region of interest.
"""
import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


def random_blob(rng, size):
    """A smooth star-shaped mask: radius r(t) = 1 + sum_k a_k cos(k t + p_k), k = 2..5."""
    t = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    radius = 1 + sum(rng.uniform(0, 0.25) * np.cos(k * t + rng.uniform(0, 2 * np.pi))
                     for k in range(2, 6))
    aspect = rng.uniform(0.5, 1.5)
    x = radius * np.cos(t) * aspect
    y = radius * np.sin(t)
    pts = np.stack([x, y], 1)
    pts = (pts - pts.min(0)) / (pts.max(0) - pts.min(0)).max() * (size - 1)
    mask = np.zeros((size, size), np.uint8)
    cv2.fillPoly(mask, [np.round(pts).astype(np.int32)], 1)
    return mask.astype(bool)


def insert_lesion(image, roi, rng, size=(8, 24), contrast=(30, 70), texture_sigma=None,
                  texture_amount=0.25):
    """Return (image with one lesion, lesion mask) for a uint8 (H, W) or (H, W, C) slice (every
    channel gets the same change) and its region of interest (bool); (image, empty mask) when
    the region is too small for a lesion."""
    d = int(rng.integers(size[0], size[1] + 1))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (d // 2 + 1, d // 2 + 1))
    inner = cv2.erode(roi.astype(np.uint8), kernel) > 0
    ys, xs = np.nonzero(inner)
    if len(ys) == 0:
        return image.copy(), np.zeros(roi.shape, bool)
    i = int(rng.integers(len(ys)))
    blob = random_blob(rng, d)
    h, w = roi.shape
    canvas = np.zeros((h + 2 * d, w + 2 * d), np.float32)
    top, left = ys[i] + d - d // 2, xs[i] + d - d // 2
    canvas[top:top + d, left:left + d] = blob
    shape = canvas[d:d + h, d:d + w]
    alpha = cv2.GaussianBlur(shape, (0, 0), 1.5)
    sigma = max(d / 8, 1.0) if texture_sigma is None else texture_sigma
    noise = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), sigma)
    span = np.abs(noise[shape > 0]).max() if (shape > 0).any() else 1.0
    texture = np.clip(noise / max(span, 1e-6), -1, 1)
    sign = 1.0 if rng.random() < 0.5 else -1.0
    delta = sign * rng.uniform(*contrast) * ((1 - texture_amount) + texture_amount * texture)
    change = alpha * delta
    if image.ndim == 3:
        change = change[..., None]
    out = np.clip(np.rint(image.astype(np.float32) + change), 0, 255).astype(np.uint8)
    return out, (alpha >= 0.5) & roi


@TRANSFORMS.register_module()
class InsertSyntheticLesion(BaseTransform):
    """Outlier exposure for medical slices: with probability ``prob``, insert one synthetic
    lesion (``insert_lesion``) into the pixels whose class (``gt_seg_map``, after the dataset's
    label map) is one of ``classes``, and label it ``ood_label`` (254, as ``PasteOOD`` does,
    which the outlier losses read as outlier pixels).

    Unlike photographs pasted from an object bank, such a lesion keeps the modality's grey
    values and lies inside the organ, so the model cannot tell it by colour or by context."""

    def __init__(self, classes, prob=0.5, size=(4, 14), contrast=(30, 70), texture_amount=0.25,
                 ood_label=254):
        self.classes = tuple(classes)
        self.prob = prob
        self.size = tuple(size)
        self.contrast = tuple(contrast)
        self.texture_amount = texture_amount
        self.ood_label = ood_label

    def transform(self, results):
        if np.random.rand() >= self.prob:
            return results
        labels = results['gt_seg_map']
        roi = np.isin(labels, self.classes)
        rng = np.random.default_rng(np.random.randint(2**31))
        image, mask = insert_lesion(results['img'], roi, rng, self.size, self.contrast,
                                    texture_amount=self.texture_amount)
        results['img'] = image
        results['gt_seg_map'] = np.where(mask, self.ood_label, labels).astype(labels.dtype)
        return results

    def __repr__(self):
        return (f'{self.__class__.__name__}(classes={self.classes}, prob={self.prob}, '
                f'size={self.size}, contrast={self.contrast})')
