import json
import os
import zipfile

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from anomseg.submission import validate_oodis_folder, write_oodis_submission


def frame():
    ids = np.zeros((10, 12), np.int32)
    ids[1:4, 1:5] = 1
    ids[6:9, 7:11] = 2
    return 'road_0001', ids, np.array([0.9, 0.4])


def test_files_masks_txt_and_coco_results(tmp_path):
    out = tmp_path / 'sub'
    zip_path = write_oodis_submission({'roadanomaly': iter([frame()])}, str(out),
                                      description='anomseg test')
    folder = out / 'submission' / 'roadanomaly'
    assert sorted(os.listdir(folder)) == ['road_0001_instanceIds_0_1.png',
                                          'road_0001_instanceIds_1_1.png',
                                          'road_0001_instanceIds_pred.txt']
    lines = (folder / 'road_0001_instanceIds_pred.txt').read_text().splitlines()
    assert lines == ['road_0001_instanceIds_0_1.png 1 0.900000',
                     'road_0001_instanceIds_1_1.png 1 0.400000']
    _, ids, _ = frame()
    for n in range(2):
        mask = cv2.imread(str(folder / f'road_0001_instanceIds_{n}_1.png'), cv2.IMREAD_UNCHANGED)
        assert np.array_equal(mask > 0, ids == n + 1) and set(np.unique(mask)) == {0, 255}
    results = json.loads((out / 'roadanomaly_results.json').read_text())
    assert [r['score'] for r in results] == [0.9, 0.4]
    for n, r in enumerate(results):
        rle = dict(r['segmentation'], counts=r['segmentation']['counts'].encode())
        assert np.array_equal(mask_utils.decode(rle).astype(bool), ids == n + 1)
    assert results[0]['bbox'] == [1, 1, 4, 3] and results[1]['bbox'] == [7, 6, 4, 3]
    with zipfile.ZipFile(zip_path) as zf:
        assert sorted(zf.namelist()) == ['description.txt'] + sorted(
            f'roadanomaly/{f}' for f in os.listdir(folder))


def test_frame_without_instances_gets_an_empty_txt(tmp_path):
    empty = ('road_0002', np.zeros((4, 4), np.int32), np.zeros(0))
    write_oodis_submission({'fishyscapes': iter([empty])}, str(tmp_path / 'sub'))
    txt = tmp_path / 'sub' / 'submission' / 'fishyscapes' / 'road_0002_instanceIds_pred.txt'
    assert txt.read_text() == ''


def test_validator_and_unknown_benchmark(tmp_path):
    os.makedirs(tmp_path / 'f')
    (tmp_path / 'f' / 'x_instanceIds_pred.txt').write_text('x_instanceIds_0_1.png 1 0.5\n')
    with pytest.raises(ValueError, match='missing or unreadable'):
        validate_oodis_folder(str(tmp_path / 'f'), {'x': (4, 4), 'y': (4, 4)})
    with pytest.raises(ValueError, match='y: no _instanceIds_pred.txt'):
        validate_oodis_folder(str(tmp_path / 'f'), {'y': (4, 4)})
    with pytest.raises(ValueError, match='unknown OoDIS'):
        write_oodis_submission({'cityscapes': iter([])}, str(tmp_path / 'sub'))
