from .builder import build_scorers
from .pixel import energy, entropy, max_logit, max_softmax

__all__ = ['build_scorers', 'energy', 'entropy', 'max_logit', 'max_softmax']
