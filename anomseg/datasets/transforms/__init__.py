from .formatting import PackAnomalySegInputs
from .loading import LoadAnomalyAnnotations

__all__ = ['LoadAnomalyAnnotations', 'PackAnomalySegInputs']
