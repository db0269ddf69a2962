import cv2
import numpy as np

from anomseg.datasets.transforms import insert_lesion


def test_lesion_lies_in_the_roi_and_changes_only_its_surroundings():
    image = np.full((80, 90), 120, np.uint8)
    roi = np.zeros((80, 90), bool)
    roi[20:60, 20:70] = True
    out, mask = insert_lesion(image, roi, np.random.default_rng(0), size=(12, 12),
                              contrast=(50, 50))
    assert mask.any() and not (mask & ~roi).any()
    changed = out != image
    near = cv2.dilate(mask.astype(np.uint8), np.ones((13, 13), np.uint8)) > 0
    assert changed.any() and not (changed & ~near).any()       # feathering stays within 6 px
    assert np.abs(out[mask].astype(int) - 120).mean() > 25     # contrast 50 * (0.75 +- 0.25)
    again, mask2 = insert_lesion(image, roi, np.random.default_rng(0), size=(12, 12),
                                 contrast=(50, 50))
    assert np.array_equal(out, again) and np.array_equal(mask, mask2)


def test_no_room_no_lesion():
    image = np.zeros((20, 20), np.uint8)
    roi = np.zeros((20, 20), bool)
    roi[5, 5] = True
    out, mask = insert_lesion(image, roi, np.random.default_rng(0), size=(12, 12))
    assert np.array_equal(out, image) and not mask.any()


def test_speckled_lesion_has_texture_but_little_mean_shift():
    image = np.full((80, 90), 120, np.uint8)
    roi = np.ones((80, 90), bool)
    out, mask = insert_lesion(image, roi, np.random.default_rng(3), size=(24, 24),
                              contrast=(60, 60), texture_sigma=1.0, texture_amount=1.0)
    diff = out[mask].astype(float) - 120
    assert np.abs(diff).mean() > 10 and abs(diff.mean()) < 0.5 * np.abs(diff).mean()


def test_transform_inserts_lesions_in_the_given_classes_and_labels_them():
    from anomseg.datasets.transforms import InsertSyntheticLesion
    seg = np.zeros((64, 64), np.uint8)
    seg[16:48, 16:48] = 2
    image = np.full((64, 64, 3), 100, np.uint8)
    np.random.seed(1)
    lesion = InsertSyntheticLesion(classes=(2, ), prob=1.0, size=(6, 10), contrast=(60, 60))
    for _ in range(5):
        out = lesion(dict(img=image.copy(), gt_seg_map=seg.copy()))
        mask = out['gt_seg_map'] == 254
        assert mask.any() and (seg[mask] == 2).all()
        assert (out['gt_seg_map'][~mask] == seg[~mask]).all()
        assert (out['img'][..., 0] == out['img'][..., 2]).all()   # grey stays grey
        assert np.abs(out['img'][mask].astype(int) - 100).mean() > 25
    skip = InsertSyntheticLesion(classes=(2, ), prob=0.0)(dict(img=image.copy(),
                                                              gt_seg_map=seg.copy()))
    assert (skip['img'] == image).all() and (skip['gt_seg_map'] == seg).all()
