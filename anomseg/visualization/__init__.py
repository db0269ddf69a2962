from .heatmap import colorize_scores, colour_bar, grey_window, heatmap_overlay

__all__ = ['colorize_scores', 'colour_bar', 'grey_window', 'heatmap_overlay']
