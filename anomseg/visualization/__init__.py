from .heatmap import colorize_scores, colour_bar, heatmap_overlay

__all__ = ['colorize_scores', 'colour_bar', 'heatmap_overlay']
