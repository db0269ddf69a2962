from .evaluation_shape import EvaluateAtResizedShape
from .formatting import PackAnomalySegInputs
from .loading import LoadAnomalyAnnotations
from .paste_ood import PASTE_PRESETS, PasteOOD
from .style_align import (align_style, fourier_amplitude_swap, lab_statistics_transfer,
                          soft_alpha)

__all__ = ['EvaluateAtResizedShape', 'LoadAnomalyAnnotations', 'PackAnomalySegInputs', 'PASTE_PRESETS', 'PasteOOD',
           'align_style', 'fourier_amplitude_swap', 'lab_statistics_transfer', 'soft_alpha']
