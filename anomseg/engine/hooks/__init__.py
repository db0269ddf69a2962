from .anomaly_visualization_hook import AnomalyVisualizationHook
from .checkpoint_fit_hook import CheckpointFitHook
from .random_state_hook import RandomStateHook
from .trim_heap_hook import TrimHeapHook

__all__ = ['AnomalyVisualizationHook', 'CheckpointFitHook', 'RandomStateHook', 'TrimHeapHook']
