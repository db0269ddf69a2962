import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import nn


@MODELS.register_module()
class WeightedCrossEntropyLoss(nn.Module):
    """Class-weighted cross-entropy over the pixels that are not ``ignore_index``:

        L = sum_i w[y_i] * CE_i / sum_i w[y_i]

    (PyTorch's weighted mean), for class balancing, e.g. median-frequency weights (Eigen &
    Fergus, ICCV 2015). mmseg's ``CrossEntropyLoss(class_weight=...)`` indexes the weights with
    every label, the ignored 255 included, and fails on any label map with ignored pixels; this
    loss is for those decode heads. A batch with no labelled pixel gives 0."""

    def __init__(self, class_weight, loss_weight=1.0, loss_name='loss_ce'):
        super().__init__()
        self.register_buffer('class_weight', torch.as_tensor(class_weight, dtype=torch.float32),
                             persistent=False)
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self, cls_score, label, weight=None, ignore_index=255, **kwargs):
        if weight is not None:
            raise ValueError('WeightedCrossEntropyLoss takes class weights, not pixel weights')
        if not (label != ignore_index).any():
            return cls_score.sum() * 0.0
        return self.loss_weight * F.cross_entropy(
            cls_score, label, weight=self.class_weight.to(cls_score.dtype),
            ignore_index=ignore_index)

    @property
    def loss_name(self):
        return self._loss_name
