from .anomaly_region import AnomalyRegionOfInterest
from .class_crop import RandomCropNearClasses
from .evaluation_shape import EvaluateAtResizedShape
from .formatting import PackAnomalySegInputs
from .loading import LoadAnnotationsChecked, LoadAnomalyAnnotations, LoadImageFromFileChecked
from .paste_ood import PASTE_PRESETS, PasteOOD
from .slice_stack import LoadSliceStack, stacks_slices
from .style_align import (align_style, fourier_amplitude_swap, lab_statistics_transfer,
                          soft_alpha)
from .synthetic_lesion import InsertSyntheticLesion, insert_lesion, random_blob

__all__ = ['AnomalyRegionOfInterest', 'EvaluateAtResizedShape', 'InsertSyntheticLesion',
           'LoadAnnotationsChecked', 'LoadAnomalyAnnotations', 'LoadImageFromFileChecked',
           'LoadSliceStack',
           'PackAnomalySegInputs', 'PASTE_PRESETS', 'PasteOOD',
           'RandomCropNearClasses', 'align_style', 'fourier_amplitude_swap', 'insert_lesion',
           'lab_statistics_transfer', 'random_blob', 'soft_alpha', 'stacks_slices']
