"""Evaluate saved anomaly score maps of any method on a benchmark, without a model."""
import os.path as osp

import numpy as np
from mmengine.registry import init_default_scope

from anomseg.datasets.benchmarks import build_benchmark, frame_id
from anomseg.datasets.transforms import LoadAnomalyAnnotations
from anomseg.evaluation.metrics import AnomalyMetric
from anomseg.utils.errors import InputError
from anomseg.utils.image_files import check_image_file

SCORE_SUFFIXES = ('.npy', '.hdf5')


def _hdf5_value(fh):
    """The dataset ``value`` of a SMIYC submission file, stored in the file itself: a link to
    another file, a group, or a virtual or externally stored dataset (which would read other
    files) raises ValueError."""
    import h5py
    link = fh.get('value', getlink=True)
    if link is None:
        raise InputError('no dataset "value" (the SMIYC submission layout)')
    if not isinstance(link, h5py.HardLink):
        raise InputError(f'"value" is a {type(link).__name__}, not a dataset stored in the file')
    value = fh['value']
    if not isinstance(value, h5py.Dataset):
        raise InputError('"value" is a group, not a dataset')
    if value.is_virtual or value.external:
        raise InputError('"value" reads its data from other files (virtual or external '
                         'storage)')
    return value


def _load(path, header_only):
    """The map of a ``.npy`` / SMIYC ``.hdf5`` score file, or only its (shape, dtype); a file
    that cannot be read raises one ValueError naming it."""
    try:
        if path.endswith('.hdf5'):
            import h5py
            with h5py.File(path, 'r') as fh:
                value = _hdf5_value(fh)
                return (value.shape, value.dtype) if header_only else value[()]
        array = np.load(path, mmap_mode='r' if header_only else None, allow_pickle=False)
        if not isinstance(array, np.ndarray):
            raise InputError(f'holds {type(array).__name__}, not one array')
        return (array.shape, array.dtype) if header_only else array
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: no such score file') from None
    except Exception as err:  # noqa: BLE001  (numpy and h5py raise many kinds on bad files)
        raise InputError(f'{path}: not a readable score map ({type(err).__name__}: {err})'
                         ) from None


def _check_map(path, shape, dtype):
    if len(shape) != 2 or dtype.kind not in 'fiub':
        raise InputError(f'{path}: expected a 2-D map of real numbers, got {dtype} of shape '
                         f'{tuple(shape)}')


def read_score_file(path):
    """(H, W) scores from ``.npy`` or from a SMIYC submission ``.hdf5`` (dataset ``value``),
    keeping their dtype (the official evaluators threshold float16 maps as float16). A file that
    cannot be read, or holds no 2-D map of real numbers, raises one ValueError naming it."""
    scores = _load(path, header_only=False)
    _check_map(path, scores.shape, scores.dtype)
    return scores


def score_file_header(path):
    """(shape, dtype) of a score file from its header, without reading the map, checked to be
    a 2-D map of real numbers (ValueError naming the file)."""
    shape, dtype = _load(path, header_only=True)
    _check_map(path, shape, dtype)
    return shape, dtype


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
    for stem, info, path in frames:
        loaded = load(dict(info))
        scores = read_score_file(path)
        bad = np.count_nonzero(~np.isfinite(scores)) if scores.dtype.kind == 'f' else 0
        if bad:
            raise InputError(f'{path}: {bad} scores are NaN or infinite')
        metric.add(stem, loaded['gt_anomaly_map'], {name: scores},
                   loaded.get('gt_anomaly_instances'), img_path=info.get('img_path'))
    results = metric.evaluate()
    return {key.split('/', 1)[1]: float(value) for key, value in results.items()}
