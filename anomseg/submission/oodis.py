"""OoDIS (out-of-distribution instance segmentation) submissions, cityscapesScripts' instance
format: per ground-truth frame ``<frame>_instanceIds_pred.txt`` with one line per predicted
instance, ``<mask file> <label id> <confidence>``, the masks as binary PNGs
``<frame>_instanceIds_<N>_1.png`` beside it, one folder per benchmark (``fishyscapes/``,
``roadanomaly/``, ``roadobstacle/``), an optional ``description.txt``, all zipped; and the same
instances as COCO detection results (one JSON list per benchmark: image_id, category_id,
segmentation as RLE, bbox, score).

Instances come from ``anomseg.evaluation.functional.instances_from_scores`` (8-connected
components above a threshold, mean score as confidence). OoDIS evaluates one class; its id is
``label`` (default 1).
"""
import os
import os.path as osp

import cv2
import numpy as np

from anomseg.utils.io import (atomic_output_dir, check_new_output_dir, write_bytes_atomic,
                              write_image_atomic, write_json_atomic)
from .common import zip_folder_atomic

OODIS_BENCHMARKS = ('fishyscapes', 'roadanomaly', 'roadobstacle')


def instance_files(frame, count):
    return [f'{frame}_instanceIds_{n}_1.png' for n in range(count)]


def write_oodis_frame(folder, frame, instance_map, confidences, label=1):
    """Write one frame's masks and its ``_instanceIds_pred.txt``; ``instance_map`` has ids 1..N
    (H, W), or is N stacked masks (N, H, W) that may overlap (a mask transformer's queries);
    ``confidences`` N values. Returns the COCO result records of the frame."""
    names = instance_files(frame, len(confidences))
    lines, records = [], []
    from pycocotools import mask as mask_utils
    for n, (name, conf) in enumerate(zip(names, confidences)):
        mask = instance_map[n] if instance_map.ndim == 3 else instance_map == n + 1
        write_image_atomic(osp.join(folder, name), mask.astype(np.uint8) * 255)
        lines.append(f'{name} {label} {float(conf):.6f}')
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        ys, xs = np.nonzero(mask)
        records.append(dict(image_id=frame, category_id=label, score=float(conf),
                            segmentation=dict(size=list(rle['size']),
                                              counts=rle['counts'].decode()),
                            bbox=[int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
                                  int(ys.max() - ys.min() + 1)]))
    write_bytes_atomic(osp.join(folder, f'{frame}_instanceIds_pred.txt'),
                       ('\n'.join(lines) + ('\n' if lines else '')).encode())
    return records


def validate_oodis_folder(folder, shapes):
    """Every frame of ``shapes`` ({frame: (H, W)}) has its txt; every line names an existing
    binary mask of the frame's shape and a numeric confidence. Raises ValueError."""
    problems = []
    for frame, shape in sorted(shapes.items()):
        txt = osp.join(folder, f'{frame}_instanceIds_pred.txt')
        if not osp.isfile(txt):
            problems.append(f'{frame}: no _instanceIds_pred.txt')
            continue
        with open(txt) as fh:
            for i, line in enumerate(fh):
                parts = line.split()
                if len(parts) != 3:
                    problems.append(f'{osp.basename(txt)} line {i + 1}: not "mask label conf"')
                    continue
                try:
                    int(parts[1])
                    float(parts[2])
                except ValueError:
                    problems.append(f'{osp.basename(txt)} line {i + 1}: label or confidence '
                                    f'is not a number')
                mask = cv2.imread(osp.join(folder, parts[0]), cv2.IMREAD_UNCHANGED)
                if mask is None:
                    problems.append(f'{parts[0]}: missing or unreadable')
                elif mask.shape != tuple(shape) or not set(np.unique(mask)) <= {0, 255} \
                        or not mask.any():
                    problems.append(f'{parts[0]}: not a non-empty binary mask of shape {shape}')
    if problems:
        raise ValueError(f'{folder}: {len(problems)} problems: ' + '; '.join(problems[:10]))


def write_oodis_submission(benchmarks, out_dir, description=None, label=1):
    """``benchmarks``: {name in OODIS_BENCHMARKS: iterable of (frame, instance map or stacked
    masks, confidences)} (``write_oodis_frame``).
    Writes a new ``out_dir`` atomically with the per-benchmark folders, ``<name>_results.json``
    (COCO results) and ``oodis_submission.zip``; validates every folder first. Returns the zip."""
    unknown = set(benchmarks) - set(OODIS_BENCHMARKS)
    if unknown:
        raise ValueError(f'unknown OoDIS benchmarks {sorted(unknown)}; use {OODIS_BENCHMARKS}')
    check_new_output_dir(None, out_dir)
    with atomic_output_dir(out_dir) as tmp:
        os.makedirs(osp.join(tmp, 'submission'))
        for name, frames in benchmarks.items():
            folder = osp.join(tmp, 'submission', name)
            os.makedirs(folder)
            shapes, records = {}, []
            for frame, instance_map, confidences in frames:
                shapes[frame] = instance_map.shape[-2:]
                records += write_oodis_frame(folder, frame, instance_map, confidences, label)
            validate_oodis_folder(folder, shapes)
            write_json_atomic(osp.join(tmp, f'{name}_results.json'), records)
        if description:
            write_bytes_atomic(osp.join(tmp, 'submission', 'description.txt'),
                               description.encode())
        zip_folder_atomic(osp.join(tmp, 'submission'), osp.join(tmp, 'oodis_submission.zip'))
    return osp.join(out_dir, 'oodis_submission.zip')
