"""Anomaly heatmaps: scores through a colour map, blended over the image, with a colour bar."""
import cv2
import numpy as np


def colorize_scores(scores, vmin, vmax, colormap=cv2.COLORMAP_INFERNO):
    """(H, W) scores -> (H, W, 3) BGR uint8, scores clipped to [vmin, vmax]."""
    span = max(float(vmax) - float(vmin), 1e-12)
    norm = np.clip((np.asarray(scores, np.float32) - vmin) / span, 0, 1)
    return cv2.applyColorMap((norm * 255 + 0.5).astype(np.uint8), colormap)


def colour_bar(height, vmin, vmax, width=60, colormap=cv2.COLORMAP_INFERNO):
    """A vertical colour bar (high at the top) labelled with vmax and vmin, BGR uint8."""
    ramp = np.linspace(1, 0, height, dtype=np.float32)[:, None].repeat(16, 1)
    bar = np.full((height, width, 3), 255, np.uint8)
    bar[:, 4:20] = colorize_scores(ramp, 0, 1, colormap)
    scale = max(height / 700, 0.3)
    for text, y in ((f'{vmax:.3g}', int(14 * scale) + 2), (f'{vmin:.3g}', height - 4)):
        cv2.putText(bar, text, (22, y), cv2.FONT_HERSHEY_SIMPLEX, 0.4 * scale / 0.5, (0, 0, 0),
                    1, cv2.LINE_AA)
    return bar


def heatmap_overlay(image, scores, vmin, vmax, alpha=0.55, colormap=cv2.COLORMAP_INFERNO,
                    with_bar=True):
    """Blend the colourised scores over a BGR image (same H, W) and append a colour bar."""
    if image.shape[:2] != np.shape(scores):
        raise ValueError(f'image of shape {image.shape[:2]} and scores of shape '
                         f'{np.shape(scores)} differ')
    heat = colorize_scores(scores, vmin, vmax, colormap)
    out = cv2.addWeighted(image, 1 - alpha, heat, alpha, 0)
    return np.hstack([out, colour_bar(out.shape[0], vmin, vmax, colormap=colormap)]) \
        if with_bar else out


def grey_window(image, low, high):
    """A display window for medical slices: grey levels in [low, high] stretched to 0..255
    (clipped outside), returned as BGR so heatmaps blend over it."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scaled = (grey.astype(np.float32) - low) / max(float(high) - float(low), 1e-6)
    return cv2.cvtColor(np.clip(np.rint(scaled * 255), 0, 255).astype(np.uint8),
                        cv2.COLOR_GRAY2BGR)
