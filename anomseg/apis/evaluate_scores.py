"""Evaluate saved anomaly score maps of any method on a benchmark, without a model."""
import os.path as osp

import numpy as np
from mmengine.registry import init_default_scope

from anomseg.datasets.benchmarks import build_benchmark, frame_id
from anomseg.datasets.transforms import LoadAnomalyAnnotations
from anomseg.evaluation.metrics import AnomalyMetric
from anomseg.utils.errors import InputError
from anomseg.utils.image_files import check_image_file
from anomseg.utils.score_files import (SCORE_SUFFIXES, read_score_file,  # noqa: F401
                                       score_file_header)
from anomseg.utils.spill import read_ahead


def evaluate(benchmark, data_root, scores_dir, unit_map='auto', report_dir=None,
             **dataset_options):
    """Exact, SMIYC-binned and component metrics of ``scores_dir/FRAME_ID.{npy,hdf5}`` against
    the benchmark's labels; FRAME_ID is the image file's stem (for LostAndFound without
    ``_leftImg8bit``). Scores may have any real range: ``unit_map`` ('auto': as they are when
    the first frame lies in [0, 1], else through arctan; None; 'arctan') says what the SMIYC
    procedures read (``AnomalyMetric``). ``report_dir``: write the run's report there
    (``report.html``, see ``anomseg.evaluation.report``). ``dataset_options`` reach the dataset
    (FishyscapesLAF: ``laf_root``). Returns a flat dict of floats, what
    ``tools/eval_scores.py`` writes."""
    init_default_scope('mmseg')
    if not osp.isdir(scores_dir):
        raise FileNotFoundError(f'scores folder {scores_dir} does not exist')
    dataset, components = build_benchmark(benchmark, data_root, **dataset_options)
    frames = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        stem = frame_id(info['img_path'])
        found = [osp.join(scores_dir, stem + s) for s in SCORE_SUFFIXES
                 if osp.isfile(osp.join(scores_dir, stem + s))]
        frames.append((stem, info, found[0] if found else None))
    missing = [stem for stem, _, path in frames if path is None]
    if missing:
        raise FileNotFoundError(f'{scores_dir}: no score file for {len(missing)} of {len(frames)} '
                                f'frames, e.g. {missing[:3]} (expected FRAME_ID.npy or .hdf5)')
    for stem, info, path in frames:  # every file from its header, before any work
        label_shape = check_image_file(info['seg_map_path'], 'label')
        shape, _ = score_file_header(path)
        if tuple(shape) != label_shape:
            raise InputError(f'{path}: scores of shape {tuple(shape)} for a label of shape '
                             f'{label_shape} ({info["seg_map_path"]})')
    name = osp.basename(osp.normpath(scores_dir)) or 'scores'  # the report's scorer name
    metric = AnomalyMetric(components=components, unit_map=unit_map, report_dir=report_dir,
                           report_name=benchmark, report_meta=dict(
                               scores=osp.abspath(scores_dir), dataset=benchmark,
                               data_root=osp.abspath(data_root)))
    load = LoadAnomalyAnnotations()

    def read(frame):
        _, info, path = frame
        loaded = load(dict(info))
        scores = read_score_file(path)
        bad = np.count_nonzero(~np.isfinite(scores)) if scores.dtype.kind == 'f' else 0
        if bad:
            raise InputError(f'{path}: {bad} scores are NaN or infinite')
        return loaded, scores

    # the next frame's files are read and decoded while this one is measured
    for (stem, info, path), (loaded, scores) in zip(frames, read_ahead(frames, read)):
        metric.add(stem, loaded['gt_anomaly_map'], {name: scores},
                   loaded.get('gt_anomaly_instances'), img_path=info.get('img_path'),
                   sources={name: path})
    results = metric.evaluate()
    return {key.split('/', 1)[1]: float(value) for key, value in results.items()}
