from .anomaly_encoder_decoder import AnomalyEncoderDecoder, attach_anomaly_scores
from .anomaly_tta import AnomalySegTTAModel
from .rpl_encoder_decoder import RPLEncoderDecoder

__all__ = ['AnomalyEncoderDecoder', 'AnomalySegTTAModel', 'RPLEncoderDecoder',
           'attach_anomaly_scores']
