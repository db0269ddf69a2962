import mmcv
import numpy as np
from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmengine import fileio
from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS

from anomseg.utils.errors import InputError
from anomseg.utils.image_files import check_same_size


# mmcv's / mmseg's loaders and anomseg's checked ones, for code that finds a pipeline's steps
IMAGE_LOADERS = ('LoadImageFromFile', 'LoadImageFromFileChecked')
LABEL_LOADERS = ('LoadAnnotations', 'LoadAnnotationsChecked')


def _named_errors(call, path, what):
    """``call()``, with any failure to read or decode ``path`` raised as one error naming it
    (mmcv asserts, OpenCV and Pillow raise their own kinds)."""
    try:
        return call()
    except FileNotFoundError:
        raise FileNotFoundError(f'{path}: no such {what} file') from None
    except Exception as err:  # noqa: BLE001
        raise InputError(f'{path}: not a readable {what} ({type(err).__name__}: {err})'
                         ) from None


@TRANSFORMS.register_module()
class LoadImageFromFileChecked(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile``; a file that cannot be read or decoded raises one error
    naming it. anomseg's configs name it in place of ``LoadImageFromFile``."""

    def transform(self, results):
        return _named_errors(lambda: super(LoadImageFromFileChecked, self).transform(results),
                             results['img_path'], 'image')


@TRANSFORMS.register_module()
class LoadAnnotationsChecked(LoadAnnotations):
    """mmseg's ``LoadAnnotations``, then checks: a file that cannot be decoded, a label of
    another size than its image (``ori_shape``), or values other than ``0..num_classes-1`` and
    ``ignore_index`` (after mmseg's ``reduce_zero_label`` and ``label_map``) raise one error
    naming the file. Out-of-range values would otherwise stop training deep in the loss
    ("Target out of bounds") or be dropped silently by IoUMetric."""

    def __init__(self, num_classes=None, ignore_index=255, **kwargs):
        super().__init__(**kwargs)
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results):
        path = results['seg_map_path']
        _named_errors(lambda: self._load_seg_map(results), path, 'label')
        label = results['gt_seg_map']
        if results.get('ori_shape') is not None:
            check_same_size(path, label.shape, results['ori_shape'], results.get('img_path'))
        if self.num_classes:
            counts = np.bincount(label.ravel(), minlength=256)
            allowed = np.zeros(counts.size, bool)
            allowed[:self.num_classes] = True
            if 0 <= self.ignore_index < allowed.size:
                allowed[self.ignore_index] = True
            bad = np.flatnonzero((counts > 0) & ~allowed)
            if bad.size:
                raise InputError(f'{path}: label values {bad.tolist()} are neither a class '
                                 f'(0..{self.num_classes - 1}) nor ignore_index '
                                 f'{self.ignore_index}')
        return results


@TRANSFORMS.register_module()
class LoadAnomalyAnnotations(BaseTransform):
    """Read a frame's anomaly label from ``seg_map_path`` into ``gt_anomaly_map`` (uint8).

    After ``label_map`` (e.g. ``{2: 1}`` for RoadAnomaly's anomaly id; by default the dataset's
    ``anomaly_label_map``) the values must be 0 (inlier), 1 (anomaly) or ``void_index``; anything
    else raises an error naming the file.
    ``gt_anomaly_map`` joins ``seg_fields``, so mmseg's geometric transforms move it along.

    ``path_key`` names the results key holding the label file (default ``seg_map_path``; a
    dataset with class labels in ``seg_map_path`` for ``LoadAnnotations`` passes its anomaly
    masks under another key, e.g. ``MedicalSliceDataset``'s ``anomaly_map_path``).

    Where the sample has ``instance_map_path`` (instance ground truth, Cityscapes-style: ids >= 1000
    are instances; a dataset whose files number instances 1..N gives ``instance_id_offset=1000``),
    it is read into ``gt_anomaly_instances`` (int32) as well, unless ``with_instances=False``.
    """

    def __init__(self, label_map=None, void_index=255, imdecode_backend='pillow',
                 backend_args=None, path_key='seg_map_path', with_instances=True):
        self.label_map = dict(label_map or {})
        self.with_instances = with_instances
        self.path_key = path_key
        self.void_index = void_index
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args

    def transform(self, results):
        if self.path_key not in results:
            raise InputError(f'{results.get("img_path", "a sample")}: no {self.path_key!r} to read '
                             f'anomaly labels from')
        path = results[self.path_key]
        label = self._decode(path)
        if label is None or label.ndim != 2:
            raise InputError(f'{path}: expected a single-channel label image, got '
                             f'{None if label is None else label.shape}')
        if results.get('ori_shape') is not None:
            check_same_size(path, label.shape, results['ori_shape'], results.get('img_path'))
        label_map = self.label_map or results.get('anomaly_label_map') or {}
        if label_map:
            lut = np.arange(max(256, int(label.max()) + 1), dtype=np.int64)
            for old, new in label_map.items():
                lut[old] = new
            label = lut.astype(np.uint8)[label] if lut.max() < 256 else lut[label]
        present = (np.flatnonzero(np.bincount(label.ravel(), minlength=256))
                   if label.dtype == np.uint8 else np.unique(label))
        bad = np.setdiff1d(present, [0, 1, self.void_index])
        if bad.size:
            raise InputError(f'{path}: anomaly labels must be 0 (inlier), 1 (anomaly) or '
                             f'{self.void_index} (void), found {bad.tolist()}')
        results['gt_anomaly_map'] = label.astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_anomaly_map')
        if self.with_instances and results.get('instance_map_path'):
            ids = self._decode(results['instance_map_path'])
            if ids is None or ids.shape != label.shape:
                raise InputError(f'{results["instance_map_path"]}: expected an instance map of '
                                 f'shape {label.shape}')
            ids = ids.astype(np.int32)
            offset = results.get('instance_id_offset', 0)
            results['gt_anomaly_instances'] = np.where(ids > 0, ids + offset, 0).astype(np.int32)
            results['seg_fields'].append('gt_anomaly_instances')
        return results

    def _decode(self, path):
        """The image at ``path`` as stored; a file that cannot be read or decoded (missing,
        truncated, not an image) raises one error naming it."""
        return _named_errors(lambda: mmcv.imfrombytes(
            fileio.get(path, backend_args=self.backend_args), flag='unchanged',
            backend=self.imdecode_backend), path, 'label')

    def __repr__(self):
        return (f'{self.__class__.__name__}(label_map={self.label_map}, '
                f'void_index={self.void_index})')
