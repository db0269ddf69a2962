from .pixel_curves import ScoreCounts, curve_metrics

__all__ = ['ScoreCounts', 'curve_metrics']
