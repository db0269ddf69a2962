"""data_prep/pseudo_labels.py: a teacher's predictions as labels, the frames' own labels kept
where they map to one teacher class."""
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from anomseg.evaluation.functional import prediction_agreement
from data_prep.pseudo_labels import combine, mapped_labels
from tests.conftest import REPO, require_shared

CAMVID_TO_CITYSCAPES = np.array([10, 2, 5, 0, 1, 8, 255, 4, 13, 11, 255], np.uint8)


def test_combine_keeps_mapped_labels_and_the_teacher_elsewhere():
    teacher = np.array([[0, 1, 2], [3, 4, 5], [6, 7, 8]], np.uint8)
    # CamVid ids: 3 road -> 0, 6 sign (two classes) -> 255, 11 void, 0 sky -> 10, 8 car -> 13
    labels = np.array([[3, 6, 11], [0, 8, 11], [6, 6, 3]], np.uint8)
    expect = np.array([[0, 1, 2], [10, 13, 5], [6, 7, 0]], np.uint8)
    out = combine(teacher, labels, CAMVID_TO_CITYSCAPES, void=11)
    assert out.dtype == np.uint8 and np.array_equal(out, expect)
    assert np.array_equal(combine(teacher), teacher)


def test_mapped_labels_drop_void_and_split_classes():
    labels = np.array([[3, 3, 8], [0, 6, 11]], np.uint8)  # road, road, car, sky, sign, void
    expect = np.array([[0, 0, 13], [10, 255, 255]], np.uint8)
    assert np.array_equal(mapped_labels(labels, CAMVID_TO_CITYSCAPES, 11), expect)


def test_agreement_counts_by_hand():
    """The tool counts the teacher against the mapped labels with prediction_agreement."""
    teacher = np.array([[0, 0, 13], [10, 2, 8]], np.int64)
    labels = np.array([[3, 3, 8], [0, 6, 11]], np.uint8)
    mapped = mapped_labels(labels, CAMVID_TO_CITYSCAPES, 11).astype(np.int64)
    _, _, hit, total = prediction_agreement(mapped, teacher, mapped != 255, 19)
    assert total[0] == 2 and hit[0] == 2  # road: both agree
    assert total[13] == 1 and hit[13] == 1  # car
    assert total[10] == 1 and hit[10] == 1  # sky
    assert total.sum() == 4 and hit.sum() == 4  # sign and void not counted
    teacher[0, 0] = 1
    assert prediction_agreement(mapped, teacher, mapped != 255, 19)[2][0] == 1


def run(*args):
    return subprocess.run([sys.executable, 'data_prep/pseudo_labels.py', *args], cwd=REPO,
                          capture_output=True, text=True)


def test_bad_inputs_are_named_before_any_work(tmp_path):
    images, labels = tmp_path / 'img', tmp_path / 'lab'
    images.mkdir()
    labels.mkdir()
    cv2.imwrite(str(images / 'a.png'), np.zeros((8, 8, 3), np.uint8))
    cfg = 'configs/efficientvit/efficientvit_b0_released_camvid-1024x2048.py'
    proc = run(cfg, 'x.pth', str(images), '--out', str(tmp_path / 'o'), '--labels', str(labels),
               '--label-map', 'camvid_to_cityscapes')
    assert proc.returncode != 0 and str(labels / 'a.png') in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run(cfg, 'x.pth', str(images), '--out', str(tmp_path / 'o'), '--labels', str(labels))
    assert proc.returncode != 0 and '--labels and --label-map go together' in proc.stderr
    assert not (tmp_path / 'o').exists()


@pytest.mark.slow
def test_real_camvid_frames_with_the_released_efficientvit(tmp_path):
    camvid = require_shared('data', 'CamVid')
    images, labels = tmp_path / 'src' / 'img', tmp_path / 'src' / 'lab'
    images.mkdir(parents=True)
    labels.mkdir()
    for stem in sorted(os.listdir(osp.join(camvid, 'train')))[:2]:
        stem = osp.splitext(stem)[0]
        shutil.copy(osp.join(camvid, 'train', stem + '.jpg'), images)
        shutil.copy(osp.join(camvid, 'trainannot', stem + '.png'), labels)
    cfg = 'configs/efficientvit/efficientvit_b0_released_camvid-1024x2048.py'
    ckpt = 'checkpoints/cityscapes/efficientvit.pth'
    plain, mixed = tmp_path / 'teacher', tmp_path / 'mixed'
    assert run(cfg, ckpt, str(images), '--out', str(plain)).returncode == 0
    proc = run(cfg, ckpt, str(images), '--out', str(mixed), '--labels', str(labels),
               '--label-map', 'camvid_to_cityscapes', '--void', '11')
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.load(open(mixed / 'pseudo_labels.json'))
    hits = counted = changed = total = 0
    for name in sorted(os.listdir(labels)):
        teacher = cv2.imread(str(plain / name), cv2.IMREAD_UNCHANGED)
        own = cv2.imread(str(labels / name), cv2.IMREAD_UNCHANGED)
        out = cv2.imread(str(mixed / name), cv2.IMREAD_UNCHANGED)
        assert teacher.shape == own.shape and teacher.max() < 19
        for camvid_id, city in enumerate(CAMVID_TO_CITYSCAPES):  # a loop, not a lookup table
            where = own == camvid_id
            if city == 255:
                assert np.array_equal(out[where], teacher[where])
            else:
                assert (out[where] == city).all()
                hits += int((teacher[where] == city).sum())
                counted += int(where.sum())
        assert np.array_equal(out[own == 11], teacher[own == 11])
        changed += int((out != teacher).sum())
        total += out.size
    assert report['teacher_agreement'] == pytest.approx(hits / counted)
    assert report['changed_by_labels'] == pytest.approx(changed / total)
    assert report['teacher_agreement'] > 0.6  # a Cityscapes model sees CamVid's road, sky, cars
