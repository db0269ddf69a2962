from .anomaly_metric import AnomalyMetric
from .mapped_iou_metric import MappedIoUMetric

__all__ = ['AnomalyMetric', 'MappedIoUMetric']
