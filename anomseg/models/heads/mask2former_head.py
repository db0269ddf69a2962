import torch.nn.functional as F
from mmengine.model import BaseModule
from mmseg.models.decode_heads import Mask2FormerHead
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from anomseg.models.scorers import QueryOutputs


def mmdet_import_error():
    try:
        from mmdet.models.dense_heads import Mask2FormerHead as _  # noqa: F401
    except Exception as err:  # any failure inside mmdet's imports is the reason to report
        return f'{type(err).__name__}: {err}'
    return 'mmdet imported after mmseg gave up on it'


@MODELS.register_module()
class AnomalyMask2FormerHead(Mask2FormerHead):
    """mmseg's ``Mask2FormerHead`` that also hands out its last decoder layer's per-query outputs.

    It adds no parameter, so mmseg's released Mask2Former checkpoints load unchanged.
    ``num_known_classes`` (default ``num_classes``) is K when the classifier has extra columns
    beyond the known classes (UNO's negative class): class scores and predictions use the first K.
    """

    def __init__(self, num_known_classes=None, **kwargs):
        if Mask2FormerHead.__mro__[1] is BaseModule:
            # mmseg falls back to a bare BaseModule when mmdet does not import, which then fails
            # with "unexpected keyword argument 'in_channels'": say why instead
            raise ImportError(f'Mask2Former heads need mmdet, which does not import here: '
                              f'{mmdet_import_error()}; pip install -r requirements/runtime.txt')
        super().__init__(**kwargs)
        self.num_known_classes = num_known_classes or self.num_classes

    def loss_and_outputs(self, x, batch_data_samples, train_cfg):
        """mmseg's ``loss``, also returning the forward outputs (all_cls_scores, all_mask_preds)
        for outlier losses computed on the same pass."""
        batch_gt_instances, batch_img_metas = self._seg_data_to_instance_data(batch_data_samples)
        outputs = self(x, batch_data_samples)
        return self.loss_by_feat(*outputs, batch_gt_instances, batch_img_metas), outputs

    def loss(self, x, batch_data_samples, train_cfg):
        return self.loss_and_outputs(x, batch_data_samples, train_cfg)[0]

    def predict_queries(self, x, batch_img_metas):
        """Forward the head once; return (QueryOutputs with mask logits upsampled to the padded
        input, as mmseg does for its semantic prediction; mask logits at the head's resolution)."""
        samples = [SegDataSample(metainfo=meta) for meta in batch_img_metas]
        all_cls_logits, all_mask_logits = self(x, samples)
        cls_logits, mask_logits = all_cls_logits[-1], all_mask_logits[-1]
        meta = batch_img_metas[0]
        size = meta['pad_shape'] if 'pad_shape' in meta else meta['img_shape']
        upsampled = F.interpolate(mask_logits, size=size, mode='bilinear', align_corners=False)
        return QueryOutputs(cls_logits, upsampled, self.num_known_classes), mask_logits

    def predict(self, x, batch_img_metas, test_cfg):
        """L_k(x) = sum_q softmax(c_q)_k sigmoid(m_q(x)) over the known classes, at the padded
        input size: mmseg's semantic output."""
        return self.predict_queries(x, batch_img_metas)[0].class_scores
