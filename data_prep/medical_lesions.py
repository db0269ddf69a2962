"""Synthetic lesions for held-out medical test slices (never used in training).

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

from data_prep.ood_bank import random_blob


def insert_lesion(image, roi, rng, size=(8, 24), contrast=(30, 70), texture_sigma=None,
                  texture_amount=0.25):
    """Return (image with one lesion, lesion mask) for a uint8 (H, W) slice and its region of
    interest (bool); (image, empty mask) when the region is too small for a lesion."""
    d = int(rng.integers(size[0], size[1] + 1))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (d // 2 + 1, d // 2 + 1))
    inner = cv2.erode(roi.astype(np.uint8), kernel) > 0
    ys, xs = np.nonzero(inner)
    if len(ys) == 0:
        return image.copy(), np.zeros(roi.shape, bool)
    i = int(rng.integers(len(ys)))
    blob = random_blob(rng, d)
    h, w = image.shape
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
    out = np.clip(np.rint(image.astype(np.float32) + alpha * delta), 0, 255).astype(np.uint8)
    return out, (alpha >= 0.5) & roi
