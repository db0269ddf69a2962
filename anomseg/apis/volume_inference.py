"""A slice model on NIfTI volumes: volumes in, aligned volumes out.

``infer_volumes(inferencer, source, out_dir)`` cuts each volume of ``source`` (a ``.nii`` /
``.nii.gz`` file, a folder of them, or a folder holding one DICOM series, read with pydicom)
into the pictures the model was trained on, with the intensity handling and geometry of the
slice converter named by the config's ``volume_slicing`` (``anomseg.datasets.volume_slicing``),
runs the model slice by slice (a ``LoadSliceStack`` model: each slice with the slices either
side of it, as it was trained), maps every output back onto the input's voxel grid and writes,
for a volume ``NAME.nii.gz``::

    OUT/NAME_anomaly_{scorer}.nii.gz   float32 anomaly map of every scorer
    OUT/NAME_seg.nii.gz                the class prediction (uint8)
    OUT/NAME_montage.png               slices of the first scorer's heatmap, for a quick look
    OUT/NAME.json                      the patient score of every scorer and what it is

Every output volume has the input's shape, affine and header (its data type and scaling set for
the new data), so it overlays the input in 3D Slicer or ITK-SNAP; a DICOM series gives NIfTI
outputs on the series' grid (its affine from the slices' positions, in RAS). The patient score
is the one ``PatientMetric`` computes (``functional.patients``): the config's ``PatientMetric``
entry names the organ classes, margin and quantile (without one: every class but 0, no margin,
0.99). ``OUT/summary.json`` is written last; a folder without it holds an interrupted run.
"""
import glob
import os
import os.path as osp
import time

import cv2
import numpy as np
from mmengine.utils import ProgressBar

from anomseg.datasets.transforms.anomaly_region import grow_region
from anomseg.datasets.transforms.slice_stack import stack_slices
from anomseg.datasets.volume_slicing import (VolumeSlicing, is_dicom_series, is_volume_file,
                                             load_dicom_series, volume_stem)
from anomseg.evaluation.functional import PATIENT_QUANTILE, patient_score
from anomseg.utils.errors import InputError
from anomseg.utils.io import atomic_file, write_image_atomic, write_json_atomic
from anomseg.utils.optional import import_optional
from anomseg.visualization import heatmap_overlay
from anomseg.visualization.heatmap import colour_bar

MONTAGE_SLICES = 12
MONTAGE_COLUMNS = 4


def volume_paths(source):
    """The volumes of ``source``, sorted: a NIfTI file, a folder of them, or a DICOM series
    folder (one volume); [] when it holds none. Each header (a series: every slice) is read
    here, so an unreadable file is named before any work."""
    if osp.isfile(source):
        paths = [source] if is_volume_file(source) else []
    elif osp.isdir(source):
        paths = sorted(p for p in glob.glob(osp.join(source, '*')) if is_volume_file(p))
        if not paths and is_dicom_series(source):
            load_dicom_series(source)
            return [source]
    else:
        return []
    nib = import_optional('nibabel', 'reading NIfTI volumes')
    for path in paths:
        try:
            nib.load(path)
        except Exception as err:  # nibabel raises several types for broken files
            raise InputError(f'{path}: not a readable NIfTI volume ({err})') from None
    stems = [volume_stem(p) for p in paths]
    if len(set(stems)) != len(stems):
        raise InputError(f'{source}: two volumes share the name '
                         f'{sorted(s for s in stems if stems.count(s) > 1)[0]!r}')
    return paths


def patient_scoring(cfg):
    """dict(organ_classes, organ_margin, quantile) of the config's ``PatientMetric`` entry (its
    defaults where the entry leaves them out), or None (then every class but 0, no margin, the
    0.99 quantile)."""
    from anomseg.evaluation.metrics import PatientMetric
    evaluators = cfg.get('test_evaluator') or []
    for entry in evaluators if isinstance(evaluators, (list, tuple)) else [evaluators]:
        if entry.get('type') == 'PatientMetric':
            metric = PatientMetric(**{k: v for k, v in entry.items() if k != 'type'})
            return dict(organ_classes=metric.organ_classes, organ_margin=metric.organ_margin,
                        quantile=metric.quantile)
    return None


def infer_volumes(inferencer, source, out_dir, batch_size=1, progress=True):
    """Run ``inferencer`` (an ``AnomalyInferencer`` whose config has ``volume_slicing``) on the
    volumes of ``source`` and write the outputs above; returns the run's summary."""
    if not getattr(inferencer, 'volume_slicing', None):
        raise InputError('volumes need the config\'s volume_slicing (how its training slices '
                         'were cut, e.g. dict(picture="square", size=256)); this model has none')
    slicing = VolumeSlicing(**inferencer.volume_slicing)
    paths = volume_paths(source)
    if not paths:
        raise FileNotFoundError(f'{source}: no NIfTI volume (.nii, .nii.gz)')
    scoring = inferencer.patient_scoring or dict(
        organ_classes=tuple(range(1, len(inferencer.classes or ()) or 256)), organ_margin=0,
        quantile=PATIENT_QUANTILE)
    summary_path = osp.join(out_dir, 'summary.json')
    if osp.exists(summary_path):  # a rerun: the folder is complete again only at the end
        os.unlink(summary_path)
    start, volumes = time.perf_counter(), []
    for path in paths:
        volumes.append(infer_volume(inferencer, slicing, scoring, path, out_dir, batch_size,
                                    progress))
    seconds = time.perf_counter() - start
    summary = dict(volumes=volumes, seconds=seconds,
                   slices_per_second=sum(v['slices'] for v in volumes) / max(seconds, 1e-9),
                   out_dir=out_dir)
    write_json_atomic(summary_path, summary)
    return summary


def infer_volume(inferencer, slicing, scoring, path, out_dir, batch_size=1, progress=True):
    """One volume: the outputs of the module docstring; returns its JSON record."""
    image, grid, zooms = slicing.read(path)
    stem = volume_stem(path)
    slices = slicing.slices(grid)
    slice_shape = slices.shape[:2]
    count = slices.shape[2]
    maps = {name: np.zeros(slices.shape, np.float32) for name in inferencer.scorers}
    classes = np.zeros(slices.shape, np.uint8 if len(inferencer.classes or ()) <= 256
                       else np.int16)
    organ_scores = {name: [] for name in inferencer.scorers}
    montage = {}
    shown = set(np.linspace(0, count - 1, min(count, MONTAGE_SLICES)).round().astype(int))
    pictures = list(slicing.pictures(grid, zooms))
    bar = ProgressBar(count) if progress else None
    for begin in range(0, count, batch_size):
        batch = pictures[begin:begin + batch_size]
        results = inferencer.infer_batch([model_input(pictures, z, inferencer.stacks_slices)
                                          for z in range(begin, begin + len(batch))])
        for offset, (picture, result) in enumerate(zip(batch, results)):
            z = begin + offset
            semantic = result['sem_seg']
            organ = grow_region(np.isin(semantic, scoring['organ_classes']),
                                scoring['organ_margin'])
            for name, scores in result['scores'].items():
                organ_scores[name].append(scores[organ])
                maps[name][:, :, z] = slicing.to_slice(scores.astype(np.float32), slice_shape)
            classes[:, :, z] = slicing.to_slice(semantic.astype(np.int16), slice_shape,
                                                nearest=True)
            if z in shown:
                montage[z] = (picture, result['scores'][inferencer.scorers[0]])
            if bar is not None:
                bar.update()
    if bar is not None:
        print()
    outputs = {}
    for name, volume in maps.items():
        outputs[name] = osp.join(out_dir, f'{stem}_anomaly_{name}.nii.gz')
        write_like(image, slicing.to_volume_orientation(volume, image), outputs[name])
    outputs['seg'] = osp.join(out_dir, f'{stem}_seg.nii.gz')
    write_like(image, slicing.to_volume_orientation(classes, image), outputs['seg'])
    outputs['montage'] = osp.join(out_dir, f'{stem}_montage.png')
    write_image_atomic(outputs['montage'], montage_image(montage, inferencer.scorers[0]))
    record = dict(
        volume=path, shape=list(image.shape[:3]), slices=count, axis=slicing.axis,
        patient_score={name: patient_score(np.concatenate(organ_scores[name]), maps[name],
                                           scoring['quantile'])
                       for name in inferencer.scorers},
        patient_score_definition=dict(
            scoring, what='the quantile of the scores inside the predicted organ (its classes '
                          'grown by the margin, in pixels of the model\'s slices); the whole '
                          'volume where no organ is predicted', organ_classes=list(
                              scoring['organ_classes'])),
        outputs=outputs)
    write_json_atomic(osp.join(out_dir, f'{stem}.json'), record)
    return record


def model_input(pictures, z, stacked):
    """The model's BGR uint8 image of slice ``z``: its grey levels in three channels, or with
    ``stacked`` (a ``LoadSliceStack`` model) the slices either side of it and it, as the
    training slices were stacked."""
    if stacked:
        return stack_slices(pictures[max(z - 1, 0)], pictures[z],
                            pictures[min(z + 1, len(pictures) - 1)])
    return cv2.cvtColor(pictures[z], cv2.COLOR_GRAY2BGR)


def write_like(image, data, path):
    """``data`` as a NIfTI file at ``path`` (atomically) with ``image``'s affine and header, its
    data type set to ``data``'s and its scaling cleared."""
    if data.shape != image.shape[:3]:
        raise ValueError(f'{path}: data of shape {data.shape} for a volume of {image.shape}')
    header = image.header.copy()
    header.set_data_dtype(data.dtype)
    out = type(image)(np.ascontiguousarray(data), image.affine, header)
    out.header.set_slope_inter(1, 0)
    nib = import_optional('nibabel', 'writing NIfTI volumes')
    with atomic_file(path, suffix='.nii.gz' if path.endswith('.gz') else '.nii') as tmp:
        nib.save(out, tmp)


def montage_image(shown, scorer):
    """The heatmaps of the kept slices, in a grid, one colour range (the 1st and 99th percentile
    of the shown maps)."""
    if not shown:
        raise ValueError('no slice to show')
    values = np.concatenate([m.ravel() for _, m in shown.values()])
    lo, hi = (float(v) for v in np.percentile(values, (1, 99)))
    tiles = []
    for z in sorted(shown):
        picture, scores = shown[z]
        tile = heatmap_overlay(cv2.cvtColor(picture, cv2.COLOR_GRAY2BGR), scores, lo, hi,
                               with_bar=False)
        cv2.putText(tile, f'slice {z}', (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4,
                    (255, 255, 255), 1, cv2.LINE_AA)
        tiles.append(tile)
    h, w = tiles[0].shape[:2]
    tiles = [t if t.shape[:2] == (h, w) else cv2.resize(t, (w, h)) for t in tiles]
    while len(tiles) % MONTAGE_COLUMNS and len(tiles) > MONTAGE_COLUMNS:
        tiles.append(np.zeros_like(tiles[0]))
    rows = [np.hstack(tiles[i:i + MONTAGE_COLUMNS])
            for i in range(0, len(tiles), MONTAGE_COLUMNS)]
    grid = np.vstack(rows)
    return np.hstack([grid, colour_bar(grid.shape[0], lo, hi, label=scorer)])
