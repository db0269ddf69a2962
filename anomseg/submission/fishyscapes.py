"""Fishyscapes submissions run as a container on the benchmark's machines: it reads
``/input/*.png`` and must write, per input ``DDDD.png``, ``/output/DDDD_anomaly.npy`` (float
anomaly scores at the input's size, higher = more anomalous) and ``/output/DDDD_segmentation.npy``
(integer class ids at the input's size). ``tools/submission/fishyscapes_entry.py`` is that entry
point and ``tools/submission/fishyscapes.def`` the Apptainer definition that packs it.
"""
import glob
import os.path as osp

import numpy as np

from anomseg.utils.image_files import check_image_file
from anomseg.utils.io import write_npy_atomic


def fishyscapes_inputs(input_dir):
    """The container's input frames, each checked from its header before any is scored."""
    paths = sorted(glob.glob(osp.join(input_dir, '*.png')))
    if not paths:
        raise FileNotFoundError(f'{input_dir}: no *.png input')
    for path in paths:
        check_image_file(path)
    return paths


def write_fishyscapes_frame(output_dir, stem, anomaly, segmentation):
    if anomaly.shape != segmentation.shape:
        raise ValueError(f'{stem}: anomaly {anomaly.shape} and segmentation '
                         f'{segmentation.shape} differ in shape')
    write_npy_atomic(osp.join(output_dir, f'{stem}_anomaly.npy'), anomaly.astype(np.float32))
    write_npy_atomic(osp.join(output_dir, f'{stem}_segmentation.npy'),
                     segmentation.astype(np.int64))


def validate_fishyscapes_output(input_dir, output_dir, shapes):
    """Each input has both outputs, of its shape, float scores and integer classes, all finite.
    ``shapes``: {stem: (H, W)} of the inputs. Raises ValueError listing the problems."""
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
    if problems:
        raise ValueError(f'{output_dir} (inputs {input_dir}): {len(problems)} problems: '
                         + '; '.join(problems[:10]))
