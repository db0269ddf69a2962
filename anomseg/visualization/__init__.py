from .heatmap import (class_legend, class_panel, colorize_scores, colour_bar, grey_window,
                      heatmap_overlay, tick_labels)

__all__ = ['class_legend', 'class_panel', 'colorize_scores', 'colour_bar', 'grey_window',
           'heatmap_overlay', 'tick_labels']
