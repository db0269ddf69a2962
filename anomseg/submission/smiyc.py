"""SegmentMeIfYouCan submissions: per frame an HDF5 file with dataset ``value`` (float16, gzip)
holding the anomaly scores at the image's size, at

    anomaly_p/<method>/<split>/<frame_id>.hdf5,   split: AnomalyTrack-all | ObstacleTrack-all |
                                                          LostAndFound-test

zipped with that tree at the zip's root, as the server takes it. The splits and their sizes are
those of the benchmark's dataset definitions (``road_anomaly_benchmark/datasets/tracks.py``):
AnomalyTrack-all is every image of ``dataset_AnomalyTrack/images`` (100 test and 10 validation
frames), ObstacleTrack-all every image of ``dataset_ObstacleTrack/images`` (412 test and 40
validation frames; the other ObstacleTrack splits are read from the same files), LostAndFound-test
the 1203 frames of LostAndFound's test split (its sub-splits read the same files).
"""
import os
import os.path as osp

import h5py
import numpy as np

from anomseg.utils.errors import InputError
from anomseg.utils.io import atomic_output_dir, check_new_output_dir, write_hdf5_atomic
from .common import zip_folder_atomic

SMIYC_SPLIT_FRAMES = {'AnomalyTrack-all': 110, 'ObstacleTrack-all': 452, 'LostAndFound-test': 1203}
SMIYC_SPLITS = tuple(SMIYC_SPLIT_FRAMES)


def smiyc_frame_path(root, method, split, frame_id):
    return osp.join(root, 'anomaly_p', method, split, f'{frame_id}.hdf5')


def check_smiyc_names(method, split):
    if split not in SMIYC_SPLITS:
        raise InputError(f'SMIYC split must be one of {SMIYC_SPLITS}, got {split!r}')
    if not method or any(c in method for c in '/\\ '):
        raise InputError(f'method name {method!r} must be non-empty, without slashes or spaces')


def check_smiyc_frame_count(split, count, partial=False):
    """A submission holds every frame of its split; ``partial`` allows fewer (a local check)."""
    if not partial and count != SMIYC_SPLIT_FRAMES[split]:
        raise InputError(f'{split} has {SMIYC_SPLIT_FRAMES[split]} frames, {count} given: the '
                         f'server scores complete splits (--partial for a local check)')


def validate_smiyc_submission(root, method, split, shapes):
    """Check that ``root`` holds one readable file per frame of ``shapes`` ({frame_id: (H, W)}),
    with dataset ``value`` of float16 and the image's shape, and nothing else. Raises ValueError
    listing the problems."""
    folder = osp.join(root, 'anomaly_p', method, split)
    problems = []
    for frame, shape in sorted(shapes.items()):
        path = smiyc_frame_path(root, method, split, frame)
        if not osp.isfile(path):
            problems.append(f'{frame}: missing')
            continue
        with h5py.File(path, 'r') as fh:
            if 'value' not in fh:
                problems.append(f'{frame}: no dataset "value"')
                continue
            value = fh['value']
            if value.dtype != np.float16:
                problems.append(f'{frame}: dtype {value.dtype}, expected float16')
            if tuple(value.shape) != tuple(shape):
                problems.append(f'{frame}: shape {value.shape}, expected {tuple(shape)}')
    present = os.listdir(folder) if osp.isdir(folder) else []
    extra = sorted(set(osp.splitext(f)[0] for f in present) - set(shapes))
    problems += [f'{frame}: not a frame of the split' for frame in extra]
    if problems:
        raise InputError(f'{folder}: {len(problems)} problems: ' + '; '.join(problems[:10]))


def write_smiyc_submission(frames, out_dir, method, split, expected_shapes=None, partial=False):
    """``frames``: iterable of (frame_id, float (H, W) scores). Writes the tree into a new
    ``out_dir`` (atomically: a run that stops leaves nothing), validates it against
    ``expected_shapes`` ({frame_id: (H, W)} of the split's images; default: the frames written)
    and the split's size (unless ``partial``) and zips it to ``out_dir/<method>_<split>.zip``.
    Returns the zip's path."""
    check_smiyc_names(method, split)
    if expected_shapes is not None:
        check_smiyc_frame_count(split, len(expected_shapes), partial)
    check_new_output_dir(None, out_dir)
    shapes = {}
    with atomic_output_dir(out_dir) as tmp:
        for frame, scores in frames:
            if frame in shapes:
                raise InputError(f'frame {frame} given twice')
            scores = np.asarray(scores)
            if scores.ndim != 2 or not np.isfinite(scores).all():
                raise InputError(f'{frame}: scores must be a finite (H, W) map')
            write_hdf5_atomic(smiyc_frame_path(tmp, method, split, frame), scores)
            shapes[frame] = scores.shape
        if not shapes:
            raise InputError('no frame to submit')
        if expected_shapes is None:  # else checked before any frame was written
            check_smiyc_frame_count(split, len(shapes), partial)
        validate_smiyc_submission(tmp, method, split, expected_shapes or shapes)
        zip_folder_atomic(tmp, osp.join(tmp, f'{method}_{split}.zip'), 'anomaly_p')
    return osp.join(out_dir, f'{method}_{split}.zip')
