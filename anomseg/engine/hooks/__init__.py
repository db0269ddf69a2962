from .anomaly_visualization_hook import AnomalyVisualizationHook
from .random_state_hook import RandomStateHook

__all__ = ['AnomalyVisualizationHook', 'RandomStateHook']
