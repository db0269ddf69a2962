"""Anomaly heatmaps: scores through a colour map, blended over the image, with a colour bar that
names the scorer and its anomalous end; class predictions with a legend of the classes shown."""
import cv2
import numpy as np

from anomseg.utils.errors import InputError

FONT = cv2.FONT_HERSHEY_SIMPLEX


def colorize_scores(scores, vmin, vmax, colormap=cv2.COLORMAP_INFERNO):
    """(H, W) scores -> (H, W, 3) BGR uint8, scores clipped to [vmin, vmax]."""
    span = max(float(vmax) - float(vmin), 1e-12)
    norm = np.clip((np.asarray(scores, np.float32) - vmin) / span, 0, 1)
    return cv2.applyColorMap((norm * 255 + 0.5).astype(np.uint8), colormap)


def tick_labels(values):
    """Labels for increasing tick values with the fewest significant digits (at least two) that
    keep them all distinct, so that a narrow range such as [-0.98, -0.61] reads '-0.98', '-0.89',
    ... and never '-0' at both ends."""
    values = [float(v) for v in values]
    for digits in range(2, 10):
        labels = [_compact(f'{v:.{digits}g}') for v in values]
        if len(set(labels)) == len(labels):
            return labels
    return [repr(v) for v in values]


def _compact(text):
    """'-0' -> '0', '1e+03' -> '1e3'."""
    if 'e' in text:
        mantissa, exponent = text.split('e')
        text = f'{mantissa}e{int(exponent)}'
    return '0' if text in ('-0', '-0.0') else text


def _font_scale(height):
    return float(np.clip(height / 700 * 0.9, 0.35, 1.2))


def colour_bar(height, vmin, vmax, colormap=cv2.COLORMAP_INFERNO, label=None, ticks=5):
    """A vertical colour bar (high at the top), BGR uint8, as wide as its labels need: ``ticks``
    evenly spaced values labelled with ``tick_labels``; ``label`` (the scorer's name) above it
    with 'high = anomaly', since every anomseg scorer is larger where a pixel is more
    anomalous."""
    scale = _font_scale(height)
    thick = 1
    line = int(cv2.getTextSize('Ag', FONT, scale, thick)[0][1] * 1.8) + 2
    header = [label, 'high = anomaly'] if label and height >= 6 * line else []
    top = line * len(header) + line // 2
    ramp_w = max(12, int(16 * scale / 0.5))
    texts = tick_labels(np.linspace(vmin, vmax, ticks))[::-1]  # top (vmax) to bottom

    def text_width(lines):
        return max([cv2.getTextSize(t, FONT, scale, thick)[0][0] for t in lines] or [0])

    width = max(ramp_w + 12 + text_width(texts), text_width(header) + 8)
    bar = np.full((height, width, 3), 255, np.uint8)
    top = min(top, height // 2)
    ramp_h = max(height - top - min(line // 2, height // 4), 1)
    ramp = np.linspace(1, 0, ramp_h, dtype=np.float32)[:, None].repeat(ramp_w, 1)
    bar[top:top + ramp_h, 4:4 + ramp_w] = colorize_scores(ramp, 0, 1, colormap)
    for i, text in enumerate(header):
        cv2.putText(bar, text, (4, line * (i + 1) - line // 4), FONT, scale, (0, 0, 0), thick,
                    cv2.LINE_AA)
    glyph = cv2.getTextSize('0', FONT, scale, thick)[0][1]
    for i, text in enumerate(texts):
        y = top + int(round(i * (ramp_h - 1) / max(ticks - 1, 1)))
        cv2.line(bar, (4 + ramp_w, y), (8 + ramp_w, y), (0, 0, 0), 1)
        baseline = int(np.clip(y + glyph // 2, glyph + 1, height - 2))
        cv2.putText(bar, text, (10 + ramp_w, baseline), FONT, scale, (0, 0, 0), thick,
                    cv2.LINE_AA)
    return bar


def heatmap_overlay(image, scores, vmin, vmax, alpha=0.55, colormap=cv2.COLORMAP_INFERNO,
                    with_bar=True, label=None):
    """Blend the colourised scores over a BGR image (same H, W) and append a colour bar
    (``label``: the scorer's name, written on the bar)."""
    if image.shape[:2] != np.shape(scores):
        raise InputError(f'image of shape {image.shape[:2]} and scores of shape '
                         f'{np.shape(scores)} differ')
    heat = colorize_scores(scores, vmin, vmax, colormap)
    out = cv2.addWeighted(image, 1 - alpha, heat, alpha, 0)
    return np.hstack([out, colour_bar(out.shape[0], vmin, vmax, colormap=colormap,
                                      label=label)]) if with_bar else out


def class_legend(height, classes, palette, present):
    """A white strip, BGR uint8, listing the classes ``present`` (indices) with their palette
    colour (RGB, as mmseg's metainfo gives it), in as many columns as the height needs. Its
    width is that of a legend of every class, so that panels of one run (video frames) share
    their size whatever classes each shows."""
    scale = _font_scale(height)
    line = int(cv2.getTextSize('Ag', FONT, scale, 1)[0][1] * 1.8) + 2

    def name(c):
        return str(classes[c]) if classes is not None and c < len(classes) else str(c)

    present = [int(c) for c in present if 0 <= int(c) < len(palette)]
    rows = max(1, (height - 4) // line)
    every = list(range(len(palette)))
    width = sum(line + 8 + max(cv2.getTextSize(name(c), FONT, scale, 1)[0][0] for c in col)
                for col in (every[i:i + rows] for i in range(0, len(every), rows)))
    columns = [[(c, name(c)) for c in present[i:i + rows]]
               for i in range(0, len(present), rows)]
    col_w = [line + 8 + max([cv2.getTextSize(n, FONT, scale, 1)[0][0] for _, n in col] or [0])
             for col in columns]
    legend = np.full((height, max(width, sum(col_w), 1) + 4, 3), 255, np.uint8)
    x = 4
    for col, w in zip(columns, col_w):
        for row, (c, name) in enumerate(col):
            y = 4 + row * line
            colour = tuple(int(v) for v in np.asarray(palette[c])[::-1])
            cv2.rectangle(legend, (x, y), (x + line - 6, y + line - 6), colour, -1)
            cv2.rectangle(legend, (x, y), (x + line - 6, y + line - 6), (0, 0, 0), 1)
            cv2.putText(legend, name, (x + line, y + line - 8), FONT, scale, (0, 0, 0), 1,
                        cv2.LINE_AA)
        x += w
    return legend


def class_panel(sem_seg, palette, classes=None, shape=None):
    """The class prediction in the palette's colours (BGR), resized (nearest) to ``shape``
    (H, W) if given, with a legend of the classes it shows."""
    palette = np.asarray(palette, np.uint8)
    if not len(palette):
        raise InputError('no palette for the class prediction')
    ids = np.clip(np.asarray(sem_seg), 0, len(palette) - 1)
    seg = palette[ids][..., ::-1]
    if shape is not None and seg.shape[:2] != tuple(shape):
        seg = cv2.resize(seg, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return np.hstack([seg, class_legend(seg.shape[0], classes, palette, np.unique(ids))])


def grey_window(image, low, high):
    """A display window for medical slices: grey levels in [low, high] stretched to 0..255
    (clipped outside), returned as BGR so heatmaps blend over it."""
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scaled = (grey.astype(np.float32) - low) / max(float(high) - float(low), 1e-6)
    return cv2.cvtColor(np.clip(np.rint(scaled * 255), 0, 255).astype(np.uint8),
                        cv2.COLOR_GRAY2BGR)
