"""IoU of a model on a dataset whose classes are not the model's, through a class mapping."""
import torch
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS

from anomseg.utils.errors import InputError


@METRICS.register_module()
class MappedIoUMetric(IoUMetric):
    """mmseg's ``IoUMetric`` on predictions relabelled by ``pred_map``: the model's class k is
    counted as the dataset's class ``pred_map[k]``, or as no class where it is 255 (the pixel is
    then a miss of its true class and a false positive of none). E.g. a Cityscapes model on CamVid
    val with ``anomseg.datasets.camvid.CITYSCAPES_TO_CAMVID`` (``pred_map`` may name a mapping of
    ``anomseg.datasets.camvid.CLASS_MAPPINGS``, ``'cityscapes_to_camvid'``):

        IoU_c = |{x: m(x) = c and y(x) = c}| / |{x: m(x) = c or y(x) = c}|,
        m(x) = pred_map[argmax_k z_k(x)],   over the pixels with y(x) != ignore_index.
    """

    def __init__(self, pred_map, **kwargs):
        super().__init__(**kwargs)
        if isinstance(pred_map, str):
            from anomseg.datasets.camvid import CLASS_MAPPINGS
            if pred_map not in CLASS_MAPPINGS:
                raise InputError(f'pred_map={pred_map!r}: no such mapping; known: '
                                 f'{", ".join(CLASS_MAPPINGS)}')
            pred_map = CLASS_MAPPINGS[pred_map]
        self.pred_map = torch.as_tensor(pred_map, dtype=torch.long)

    def process(self, data_batch, data_samples):
        if not self.results:  # the first batch: the dataset's classes are known by now
            num_classes = len(self.dataset_meta['classes'])
            bad = sorted({int(v) for v in self.pred_map
                          if v != 255 and not 0 <= v < num_classes})
            if bad:
                raise InputError(f'pred_map sends model classes to {bad}, outside the '
                                 f'dataset\'s {num_classes} classes')
        mapped = []
        for sample in data_samples:
            pred = sample['pred_sem_seg']['data']
            if int(pred.max()) >= len(self.pred_map):
                raise InputError(f'the model predicts class {int(pred.max())}; pred_map covers '
                                 f'{len(self.pred_map)} classes')
            relabelled = self.pred_map.to(pred.device)[pred.long()]
            mapped.append(dict(sample, pred_sem_seg=dict(data=relabelled)))
        super().process(data_batch, mapped)
