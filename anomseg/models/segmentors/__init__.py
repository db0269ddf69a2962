from .anomaly_encoder_decoder import AnomalyEncoderDecoder, attach_anomaly_scores
from .anomaly_tta import AnomalySegTTAModel

__all__ = ['AnomalyEncoderDecoder', 'AnomalySegTTAModel', 'attach_anomaly_scores']
