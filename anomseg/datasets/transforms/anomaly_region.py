import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS


def grow_region(mask, radius):
    """``mask`` (H, W) grown by ``radius`` pixels: every pixel within Euclidean distance
    ``radius`` of it."""
    if not radius:
        return np.asarray(mask, bool)
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    kernel = (yy**2 + xx**2 <= radius**2).astype(np.uint8)
    return cv2.dilate(np.asarray(mask, np.uint8), kernel) > 0


@TRANSFORMS.register_module()
class AnomalyRegionOfInterest(BaseTransform):
    """``gt_anomaly_roi_map``: ``gt_anomaly_map`` restricted to a region of interest, void (255)
    elsewhere. The region is every pixel whose class (``gt_seg_map``) is one of ``classes`` or
    that is anomalous, grown by ``dilate`` pixels (every pixel within Euclidean distance
    ``dilate`` of it):
    e.g. the heart of a cardiac slice, so that lesions are scored against heart tissue rather than
    against the whole image. Packed as ``gt_anomaly_roi`` by ``PackAnomalySegInputs`` and read by
    ``AnomalyMetric(gt_key='gt_anomaly_roi')``. Run it before geometric transforms."""

    def __init__(self, classes, dilate=0, void_index=255):
        self.classes = tuple(classes)
        self.dilate = int(dilate)
        self.void_index = void_index

    def transform(self, results):
        anomaly = results['gt_anomaly_map']
        region = np.isin(results['gt_seg_map'], self.classes) | (anomaly == 1)
        region = grow_region(region, self.dilate)
        results['gt_anomaly_roi_map'] = np.where(region, anomaly,
                                                 self.void_index).astype(np.uint8)
        results.setdefault('seg_fields', []).append('gt_anomaly_roi_map')
        return results

    def __repr__(self):
        return f'{self.__class__.__name__}(classes={self.classes}, dilate={self.dilate})'
