from .builder import Scorer, build_scorers, register_scorer
from .mask_peers import eam, mask2anomaly, uno
from .maxquery import maxquery
from .pixel import energy, entropy, max_logit, max_softmax
from .postprocess import gaussian_smooth
from .query_outputs import QueryOutputs
from .rba import rba

__all__ = ['QueryOutputs', 'Scorer', 'build_scorers', 'eam', 'energy', 'entropy',
           'gaussian_smooth', 'mask2anomaly', 'max_logit', 'max_softmax', 'maxquery',
           'register_scorer', 'rba', 'uno']
