"""Evaluate saved anomaly score maps of any method on a benchmark, without a model."""
import os.path as osp

import numpy as np

from anomseg.datasets.benchmarks import build_benchmark, frame_id
from anomseg.datasets.transforms import LoadAnomalyAnnotations
from anomseg.evaluation.metrics import AnomalyMetric

SCORE_SUFFIXES = ('.npy', '.hdf5')


def read_score_file(path):
    """(H, W) scores from ``.npy`` or from a SMIYC submission ``.hdf5`` (dataset ``value``),
    keeping their dtype (the official evaluators threshold float16 maps as float16). A file that
    cannot be read, or holds no 2-D map of real numbers, raises one ValueError naming it."""
    try:
        if path.endswith('.hdf5'):
            import h5py
            with h5py.File(path, 'r') as fh:
                if 'value' not in fh:
                    raise ValueError('no dataset "value" (the SMIYC submission layout)')
                scores = fh['value'][()]
        else:
            scores = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: no such score file') from None
    except Exception as err:  # noqa: BLE001  (numpy and h5py raise many kinds on bad files)
        raise ValueError(f'{path}: not a readable score map ({type(err).__name__}: {err})'
                         ) from None
    if not isinstance(scores, np.ndarray) or scores.ndim != 2 or \
            scores.dtype.kind not in 'fiub':
        raise ValueError(f'{path}: expected a 2-D map of real numbers, got '
                         f'{getattr(scores, "dtype", type(scores))} of shape '
                         f'{getattr(scores, "shape", None)}')
    return scores


def evaluate_score_folder(benchmark, data_root, scores_dir, unit_map='auto', **dataset_options):
    """Exact, SMIYC-binned and component metrics of ``scores_dir/FRAME_ID.{npy,hdf5}`` against
    the benchmark's labels; FRAME_ID is the image file's stem (for LostAndFound without
    ``_leftImg8bit``). Scores may have any real range: ``unit_map`` ('auto': as they are when
    the first frame lies in [0, 1], else through arctan; None; 'arctan') says what the SMIYC
    procedures read (``AnomalyMetric``). ``dataset_options`` reach the dataset (FishyscapesLAF:
    ``laf_root``). Returns a flat dict of floats."""
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
    metric = AnomalyMetric(components=components, unit_map=unit_map)
    load = LoadAnomalyAnnotations()
    for stem, info, path in frames:
        loaded = load(dict(info))
        metric.add(stem, loaded['gt_anomaly_map'], {'scores': read_score_file(path)},
                   loaded.get('gt_anomaly_instances'))
    results = metric.evaluate()
    return {key.split('/', 1)[1]: float(value) for key, value in results.items()}
