import numpy as np

from anomseg.datasets.transforms import AnomalyRegionOfInterest, PackAnomalySegInputs


def test_region_is_the_organ_and_the_anomaly_grown_by_the_margin():
    seg = np.zeros((15, 15), np.uint8)
    seg[7, 5] = 1                   # organ pixel
    seg[7, 9] = 255                 # the anomaly (ignored as a class)
    anomaly = np.zeros((15, 15), np.uint8)
    anomaly[7, 9] = 1
    out = AnomalyRegionOfInterest(classes=(1, ), dilate=2)(dict(
        img=np.zeros((15, 15, 3), np.uint8), gt_seg_map=seg, gt_anomaly_map=anomaly,
        seg_fields=['gt_seg_map', 'gt_anomaly_map']))
    roi = out['gt_anomaly_roi_map']
    yy, xx = np.mgrid[:15, :15]
    near = lambda y, x: (yy - y)**2 + (xx - x)**2 <= 4  # noqa: E731  (within 2 px)
    expected = near(7, 5) | near(7, 9)
    assert np.array_equal(roi != 255, expected)
    assert roi[7, 9] == 1 and (roi[expected & (anomaly == 0)] == 0).all()
    assert 'gt_anomaly_roi_map' in out['seg_fields']
    out['img_path'] = 'x.png'
    packed = PackAnomalySegInputs()(out)['data_samples']
    assert np.array_equal(packed.gt_anomaly_roi.data[0].numpy(), roi)
