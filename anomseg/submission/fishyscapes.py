"""Fishyscapes submissions run as a Singularity (Apptainer) container on the benchmark's machines
(fishyscapes.com/submission): ``/input`` holds files ``DDDD_*.png`` (four digits, then the
frame's name, e.g. ``0000_04_Maurener_Weg_8_000000_000030_rgb.png``, the validation set's
convention), and for each the container writes ``/output/DDDD_anomaly.npy`` (per-pixel anomaly
scores at the input's resolution, higher = more anomalous) and ``/output/DDDD_segmentation.npy``
(an integer array at the input's resolution, a class between 0 and 19 per pixel).
``tools/submission/fishyscapes_entry.py`` is that entry point and
``tools/submission/fishyscapes.def`` the definition that packs it.
"""
import glob
import os.path as osp
import re

import numpy as np

from anomseg.utils.errors import InputError
from anomseg.utils.image_files import check_image_file
from anomseg.utils.io import write_npy_atomic

INPUT_NAME = re.compile(r'^(\d{4})(_.*)?\.png$')
MAX_CLASS = 19


def output_stem(path):
    """``DDDD`` of an input ``DDDD_*.png``: the outputs' name."""
    match = INPUT_NAME.match(osp.basename(path))
    if not match:
        raise InputError(f'{path}: a Fishyscapes input is named DDDD_*.png (four digits)')
    return match.group(1)


def fishyscapes_inputs(input_dir):
    """The container's input frames, named ``DDDD_*.png`` with distinct ``DDDD``, each checked
    from its header before any is scored."""
    paths = sorted(glob.glob(osp.join(input_dir, '*.png')))
    if not paths:
        raise FileNotFoundError(f'{input_dir}: no *.png input')
    seen = {}
    for path in paths:
        stem = output_stem(path)
        if stem in seen:
            raise InputError(f'{path}: the same number {stem} as {seen[stem]}')
        seen[stem] = path
        check_image_file(path)
    return paths


def write_fishyscapes_frame(output_dir, stem, anomaly, segmentation):
    if anomaly.shape != segmentation.shape:
        raise InputError(f'{stem}: anomaly {anomaly.shape} and segmentation '
                         f'{segmentation.shape} differ in shape')
    write_npy_atomic(osp.join(output_dir, f'{stem}_anomaly.npy'), anomaly.astype(np.float32))
    write_npy_atomic(osp.join(output_dir, f'{stem}_segmentation.npy'),
                     segmentation.astype(np.int64))


def validate_fishyscapes_output(input_dir, output_dir, shapes):
    """Each input has both outputs, of its shape, finite float scores and integer classes in
    0..19. ``shapes``: {DDDD: (H, W)} of the inputs. Raises ValueError listing the problems."""
    problems = []
    for stem, shape in sorted(shapes.items()):
        for kind, ok_dtype in (('anomaly', np.floating), ('segmentation', np.integer)):
            path = osp.join(output_dir, f'{stem}_{kind}.npy')
            if not osp.isfile(path):
                problems.append(f'{osp.basename(path)}: missing')
                continue
            value = np.load(path)
            if value.shape != tuple(shape):
                problems.append(f'{osp.basename(path)}: shape {value.shape}, input {shape}')
            if not np.issubdtype(value.dtype, ok_dtype):
                problems.append(f'{osp.basename(path)}: dtype {value.dtype}')
            elif kind == 'anomaly' and not np.isfinite(value).all():
                problems.append(f'{osp.basename(path)}: not finite')
            elif kind == 'segmentation' and value.size and not (
                    0 <= value.min() and value.max() <= MAX_CLASS):
                problems.append(f'{osp.basename(path)}: classes outside 0..{MAX_CLASS}')
    if problems:
        raise InputError(f'{output_dir} (inputs {input_dir}): {len(problems)} problems: '
                         + '; '.join(problems[:10]))
