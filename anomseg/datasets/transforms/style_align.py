"""Style alignment of pasted outlier objects to the scene they are pasted into.

Zhang et al. (ICCV 2023 workshops, "Anomaly-Aware Semantic Segmentation via Style-Aligned OoD
Augmentation") observe that objects cut from another dataset differ from driving scenes in colour,
contrast and sharpness, so a network can find pasted outliers by style alone and then misses real
ones. These operators move an object's low-level style to the scene's while keeping its content.
All work on uint8 BGR images (mmcv's layout) and return uint8 BGR.

- ``lab_statistics_transfer``: Reinhard et al. (2001) colour transfer in CIE Lab,
      out_c = (x_c - mean_obj_c) / std_obj_c * std_scene_c + mean_scene_c,   c in {L, a, b},
  over the object's pixels and the scene's pixels.
- ``fourier_amplitude_swap``: Yang & Soatto (CVPR 2020, "FDA"): the low-frequency amplitude
  spectrum (a centred square of half-width floor(beta * min(h, w))) of the object patch is
  replaced by that of the scene patch it covers; the phase, which carries the content, is kept.
- ``soft_alpha``: a Gaussian-feathered alpha matte, alpha = G_sigma * mask, so the object's edge
  blends into the scene instead of showing a hard cut.
"""
import cv2
import numpy as np

from anomseg.utils.errors import InputError


def _lab_stats(lab, mask=None):
    """Per-channel (mean, std) of an 8-bit Lab image over ``mask`` (None: all pixels), or None
    when the mask is empty. The transfer below is affine per channel, so working in OpenCV's
    8-bit Lab encoding gives the same result as in CIE units."""
    if mask is not None:
        if not mask.any():
            return None
        mask = mask.astype(np.uint8)
    mean, std = cv2.meanStdDev(lab, mask=mask)
    return mean[:, 0], std[:, 0]


def lab_statistics_transfer(obj, obj_mask, scene, scene_mask=None, eps=1e-3):
    """Give ``obj``'s masked pixels the Lab mean and standard deviation of ``scene`` (its
    ``scene_mask`` pixels, default all). Pixels outside ``obj_mask`` are returned unchanged."""
    obj_lab = cv2.cvtColor(obj, cv2.COLOR_BGR2LAB)
    src = _lab_stats(obj_lab, obj_mask.astype(bool))
    ref = _lab_stats(cv2.cvtColor(scene, cv2.COLOR_BGR2LAB),
                     None if scene_mask is None else scene_mask.astype(bool))
    if src is None or ref is None:
        return obj.copy()
    scale = ref[1] / np.maximum(src[1], eps)
    out = (obj_lab.astype(np.float32) - src[0].astype(np.float32)) * scale.astype(np.float32) \
        + ref[0].astype(np.float32)
    out = cv2.cvtColor(np.clip(np.rint(out), 0, 255).astype(np.uint8), cv2.COLOR_LAB2BGR)
    keep = ~obj_mask.astype(bool)
    out[keep] = obj[keep]
    return out


def fourier_amplitude_swap(obj, scene_patch, beta=0.05):
    """FDA: the object patch with the low-frequency amplitude of ``scene_patch`` (same shape)."""
    if obj.shape != scene_patch.shape:
        raise InputError(f'object {obj.shape} and scene patch {scene_patch.shape} differ in shape')
    h, w = obj.shape[:2]
    b = int(np.floor(beta * min(h, w)))
    f_obj = np.fft.fftshift(np.fft.fft2(obj.astype(np.float32), axes=(0, 1)), axes=(0, 1))
    f_ref = np.fft.fftshift(np.fft.fft2(scene_patch.astype(np.float32), axes=(0, 1)), axes=(0, 1))
    amp, phase = np.abs(f_obj), np.angle(f_obj)
    cy, cx = h // 2, w // 2
    window = (slice(cy - b, cy + b + 1), slice(cx - b, cx + b + 1))
    amp[window] = np.abs(f_ref)[window]
    out = np.fft.ifft2(np.fft.ifftshift(amp * np.exp(1j * phase), axes=(0, 1)), axes=(0, 1))
    return np.clip(np.rint(np.real(out)), 0, 255).astype(np.uint8)


def soft_alpha(mask, sigma):
    """Alpha matte in [0, 1]: the binary mask blurred with a Gaussian of ``sigma`` pixels
    (``sigma`` 0 gives the hard mask)."""
    alpha = mask.astype(np.float32)
    if sigma > 0:
        alpha = cv2.GaussianBlur(alpha, (0, 0), sigmaX=sigma, sigmaY=sigma)
    return alpha


STYLE_OPERATORS = ('lab', 'fourier')


def check_style(style):
    """Return (operator name, keyword arguments) of a style setting, or raise ValueError."""
    style = dict(style)
    kind = style.pop('type', None)
    if kind not in STYLE_OPERATORS:
        raise InputError(f'unknown style operator {kind!r}; choose one of {STYLE_OPERATORS} or '
                         f'None')
    return kind, style


def align_style(obj, obj_mask, scene, top, left, style):
    """Apply one style operator: ``style`` is None (plain paste), ``dict(type='lab')`` or
    ``dict(type='fourier', beta=...)``; (top, left) is where the object lands in ``scene``."""
    if style is None:
        return obj
    kind, options = check_style(style)
    if kind == 'lab':
        return lab_statistics_transfer(obj, obj_mask, scene, **options)
    h, w = obj.shape[:2]
    return fourier_amplitude_swap(obj, scene[top:top + h, left:left + w], **options)
