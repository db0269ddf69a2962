from .anomaly_metric import AnomalyMetric
from .mapped_iou_metric import MappedIoUMetric
from .patient_metric import PatientMetric

__all__ = ['AnomalyMetric', 'MappedIoUMetric', 'PatientMetric']
