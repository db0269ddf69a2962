import numpy as np

from anomseg.datasets.transforms import RandomCropNearClasses


def test_crops_hold_the_class_when_asked_and_are_uniform_otherwise():
    seg = np.zeros((100, 100), np.uint8)
    seg[80:84, 10:14] = 2           # a small organ far from the centre
    results = lambda: dict(img=np.zeros((100, 100, 3), np.uint8), gt_seg_map=seg.copy(),  # noqa
                           seg_fields=['gt_seg_map'])
    np.random.seed(0)
    always = RandomCropNearClasses(crop_size=(20, 20), classes=(2, ), prob=1.0)
    hits = [(always(results())['gt_seg_map'] == 2).any() for _ in range(200)]
    assert all(hits)
    never = RandomCropNearClasses(crop_size=(20, 20), classes=(2, ), prob=0.0)
    hits = [(never(results())['gt_seg_map'] == 2).any() for _ in range(400)]
    # a uniform 20x20 crop of 100x100 meets the 4x4 organ with probability 23^2 / 81^2 = 8%
    assert 0.03 < np.mean(hits) < 0.15
    out = always(results())
    assert out['img'].shape == (20, 20, 3) and out['gt_seg_map'].shape == (20, 20)
    none = RandomCropNearClasses(crop_size=(20, 20), classes=(7, ), prob=1.0)(results())
    assert none['gt_seg_map'].shape == (20, 20)   # no such class: a uniform crop
