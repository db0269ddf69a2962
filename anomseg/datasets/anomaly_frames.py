from mmseg.datasets import BaseSegDataset

ANOMALY_METAINFO = dict(classes=('inlier', 'anomaly'), palette=[[0, 0, 0], [255, 0, 0]])


class ListedAnomalyDataset(BaseSegDataset):
    """Base of the anomaly benchmarks whose frames are listed by their own rules rather than by
    mmseg's folder scan (frame lists, exclusions, labels beside other datasets' images)."""
    METAINFO = ANOMALY_METAINFO

    @staticmethod
    def frame_info(img_path, seg_map_path, **extra):
        """One frame's record, with the keys mmseg's loading transforms expect."""
        return dict(img_path=img_path, seg_map_path=seg_map_path, label_map=None,
                    reduce_zero_label=False, seg_fields=[], **extra)
