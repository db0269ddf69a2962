"""Registries of anomseg's own kinds of object; everything else registers into mmseg's."""
from mmengine.registry import Registry

# Anomaly scorers: pure functions from model outputs to per-pixel anomaly maps.
SCORERS = Registry('scorer', scope='anomseg', locations=['anomseg.models.scorers'])
