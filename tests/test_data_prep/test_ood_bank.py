import json
import os

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from anomseg.datasets import ObjectBank
from data_prep.ood_bank import main, write_bank


def test_skimage_bank_is_deterministic_and_loads(tmp_path):
    for name in ('a', 'b'):
        main(['skimage', '--out', str(tmp_path / name), '--num-objects', '12', '--seed', '3'])
    for f in sorted(os.listdir(tmp_path / 'a' / 'objects')):
        assert (tmp_path / 'a' / 'objects' / f).read_bytes() == \
            (tmp_path / 'b' / 'objects' / f).read_bytes()
    bank = ObjectBank(str(tmp_path / 'a'))
    assert len(bank) == 12
    img, mask = bank[0]
    assert img.shape[:2] == mask.shape and mask.any()
    with pytest.raises(ValueError, match='exists'):
        main(['skimage', '--debug', '--out', str(tmp_path / 'a'), '--num-objects', '2'])


def make_coco(root):
    os.makedirs(root / 'images')
    rng = np.random.default_rng(0)
    for name in ('a.jpg', 'b.png', 'c.png'):
        cv2.imwrite(str(root / 'images' / name), rng.integers(0, 255, (60, 80, 3), np.uint8))
    square = [[10, 10, 50, 10, 50, 50, 10, 50]]          # 40x40 polygon
    c_mask = np.zeros((60, 80), np.uint8, order='F')
    c_mask[5:45, 30:70] = 1
    rle = mask_utils.encode(c_mask)
    rle['counts'] = rle['counts'].decode()
    anns = [
        dict(id=1, image_id=1, category_id=1, segmentation=square, area=1600, iscrowd=0),
        dict(id=2, image_id=1, category_id=18, segmentation=square, area=1600, iscrowd=0),
        dict(id=3, image_id=2, category_id=18, segmentation=square, area=1600, iscrowd=0),
        dict(id=4, image_id=2, category_id=17, segmentation=square, area=1600, iscrowd=1),
        dict(id=5, image_id=2, category_id=17, segmentation=[[0, 0, 4, 0, 4, 4]], area=8,
             iscrowd=0),
        dict(id=6, image_id=3, category_id=38, segmentation=rle, area=1600, iscrowd=0),
    ]
    coco = dict(images=[dict(id=i + 1, file_name=n, height=60, width=80)
                        for i, n in enumerate(('a.jpg', 'b.png', 'c.png'))],
                annotations=anns,
                categories=[dict(id=1, name='person'), dict(id=17, name='cat'),
                            dict(id=18, name='dog'), dict(id=38, name='kite')] +
                [dict(id=100 + i, name=n) for i, n in enumerate(
                    ('bicycle', 'car', 'motorcycle', 'bus', 'truck', 'traffic light',
                     'stop sign'))])
    (root / 'ann.json').write_text(json.dumps(coco))
    return coco


def test_coco_bank_skips_inlier_images_crowds_and_small_objects(tmp_path):
    make_coco(tmp_path)
    out = tmp_path / 'bank'
    main(['coco', '--out', str(out), '--ann', str(tmp_path / 'ann.json'),
          '--images', str(tmp_path / 'images'), '--min-area', '100'])
    index = json.loads((out / 'index.json').read_text())
    kept = sorted((o['category'], o['image']) for o in index['objects'])
    assert kept == [('dog', 'b.png'), ('kite', 'c.png')]      # a.jpg holds a person
    bank = ObjectBank(str(out))
    source = cv2.imread(str(tmp_path / 'images' / 'c.png'))
    for i, rec in enumerate(index['objects']):
        img, mask = bank[i]
        if rec['category'] == 'kite':
            assert mask.shape == (40, 40) and mask.all()
            assert np.array_equal(img, source[5:45, 30:70])
        else:
            assert rec['area'] == mask.sum() and mask.sum() >= 40 * 40


def test_coco_bank_checks_inputs_before_writing(tmp_path):
    make_coco(tmp_path)
    os.remove(tmp_path / 'images' / 'c.png')
    out = tmp_path / 'bank'
    with pytest.raises(FileNotFoundError, match='c.png'):
        main(['coco', '--debug', '--out', str(out), '--ann', str(tmp_path / 'ann.json'),
              '--images', str(tmp_path / 'images')])
    assert not out.exists()
    with pytest.raises(ValueError, match='not COCO classes'):
        main(['coco', '--debug', '--out', str(out), '--ann', str(tmp_path / 'ann.json'),
              '--images', str(tmp_path / 'images'), '--exclude', 'persn'])
    with pytest.raises(ValueError, match='inside the source'):
        main(['coco', '--debug', '--out', str(tmp_path / 'images' / 'bank'),
              '--ann', str(tmp_path / 'ann.json'), '--images', str(tmp_path / 'images'),
              '--min-area', '10', '--exclude', 'person', 'kite'])


def test_ade20k_instances_of_chosen_classes(tmp_path):
    scene = tmp_path / 'ade' / 'images' / 'training' / 'street'
    os.makedirs(scene)
    seg = np.zeros((40, 50, 3), np.uint8)               # B, G, R as cv2 writes
    cls_a, cls_b = 300, 12                              # class = R / 10 * 256 + G
    seg[5:25, 5:25, 2], seg[5:25, 5:25, 1], seg[5:25, 5:25, 0] = cls_a // 256 * 10, cls_a % 256, 1
    seg[5:25, 30:45, 2], seg[5:25, 30:45, 1], seg[5:25, 30:45, 0] = 0, cls_b, 2
    cv2.imwrite(str(scene / 'x_seg.png'), seg)
    cv2.imwrite(str(scene / 'x.jpg'), np.full((40, 50, 3), 128, np.uint8))
    out = tmp_path / 'bank'
    main(['ade20k', '--out', str(out), '--root', str(tmp_path / 'ade'), '--classes', '300',
          '--min-area', '50'])
    index = json.loads((out / 'index.json').read_text())
    assert [(o['category'], o['area']) for o in index['objects']] == [('ade20k-300', 400)]


def test_write_bank_refuses_an_empty_bank(tmp_path):
    with pytest.raises(ValueError, match='no object'):
        write_bank(str(tmp_path / 'bank'), iter(()), 'test')
    assert not (tmp_path / 'bank').exists()
