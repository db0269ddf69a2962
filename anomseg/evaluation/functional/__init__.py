from .agreement import prediction_agreement
from .components import (COMPONENT_SIZE_FILTERS, SIOU_THRESHOLDS, component_metrics,
                         frame_components)
from .instances import (MIN_REGION_PX, OVERLAPS, frame_instance_stats, instance_ap,
                        instances_from_queries, instances_from_scores)
from .lesions import lesion_metrics, patient_lesions
from .patients import (PATIENT_QUANTILE, patient_auroc, patient_score,
                       sensitivity_at_specificity)
from .pixel_curves import (ScoreCounts, best_f1, curve_metrics, curve_pieces, curves, frame_summary,
                           split_sorted)
from .query_wins import query_wins
from .smiyc_curves import (SMIYC_NUM_BINS, frame_bins, frame_bins_sorted, merge_frame_bins,
                           smiyc_curve_metrics, sorted_quantile)

__all__ = ['prediction_agreement', 'MIN_REGION_PX', 'OVERLAPS', 'frame_instance_stats',
           'instance_ap',
           'instances_from_queries', 'instances_from_scores', 'COMPONENT_SIZE_FILTERS',
           'SIOU_THRESHOLDS', 'SMIYC_NUM_BINS', 'ScoreCounts', 'component_metrics',
           'curve_metrics', 'curve_pieces', 'curves', 'frame_bins', 'frame_components',
           'frame_summary',
           'merge_frame_bins', 'smiyc_curve_metrics', 'split_sorted',
           'frame_bins_sorted', 'sorted_quantile', 'best_f1', 'lesion_metrics', 'patient_lesions',
           'PATIENT_QUANTILE', 'patient_auroc', 'patient_score', 'sensitivity_at_specificity',
           'query_wins']
