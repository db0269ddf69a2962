import hashlib
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from data_prep import synthroad
from data_prep.synthroad import generate

SMALL = dict(height=48, width=96, num_train=3, num_val=1, num_anomaly=2, num_sequence=2,
             progress=False)


def digest_tree(root):
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = osp.join(folder, name)
            with open(path, 'rb') as fh:
                out[osp.relpath(path, root)] = hashlib.sha256(fh.read()).hexdigest()
    return out


def render_digest(folder, seed, workers):
    generate(str(folder), seed=seed, workers=workers, **SMALL)
    return digest_tree(folder)


def test_same_seed_same_bytes(tmp_path):
    a = render_digest(tmp_path / 'a', seed=7, workers=2)
    b = render_digest(tmp_path / 'b', seed=7, workers=1)
    assert a == b and len(a) == 2 * (3 + 1 + 2 + 2) + 1
    c = render_digest(tmp_path / 'c', seed=8, workers=1)
    assert c.keys() == a.keys()
    pngs = [k for k in a if k.endswith('.png')]
    assert all(c[k] != a[k] for k in pngs)


def test_layout_and_label_values(tiny_synthroad):
    root = tiny_synthroad
    meta = json.load(open(osp.join(root, 'meta.json')))
    assert meta['classes'][0] == 'road' and len(meta['palette']) == len(meta['classes']) == 9
    seen = set()
    for split, count in (('train', 6), ('val', 2)):
        imgs = sorted(os.listdir(osp.join(root, 'leftImg8bit', split, 'synthroad')))
        labels = sorted(os.listdir(osp.join(root, 'gtFine', split, 'synthroad')))
        assert len(imgs) == len(labels) == count
        for img_name, lab_name in zip(imgs, labels):
            assert img_name.endswith('_leftImg8bit.png')
            assert lab_name == img_name.replace('_leftImg8bit.png', '_gtFine_labelTrainIds.png')
            img = cv2.imread(osp.join(root, 'leftImg8bit', split, 'synthroad', img_name))
            lab = cv2.imread(osp.join(root, 'gtFine', split, 'synthroad', lab_name),
                             cv2.IMREAD_UNCHANGED)
            assert img.shape == (64, 128, 3) and lab.shape == (64, 128) and lab.dtype == np.uint8
            values = set(np.unique(lab).tolist())
            assert values <= set(range(9)) | {255}
            seen |= values
    assert {0, 1, 2, 6} <= seen  # road, sidewalk, building, sky in every street
    for split, count in (('anomaly', 3), ('sequence', 3)):
        imgs = sorted(os.listdir(osp.join(root, split, 'images')))
        assert len(imgs) == count
        for name in imgs:
            lab = cv2.imread(osp.join(root, split, 'labels_masks',
                                      name.replace('.png', '_labels_semantic.png')),
                             cv2.IMREAD_UNCHANGED)
            assert set(np.unique(lab).tolist()) <= {0, 1, 255}


def test_anomaly_frames_have_anomalies_mostly_on_the_road():
    on_road = total = 0
    for i in range(12):
        rng = synthroad.frame_rng(0, 'anomaly', i)
        scene = synthroad.Scene(rng, 128, 256)
        scene.add_anomalies(int(rng.integers(1, 4)))
        _, lab = scene.render()
        anomaly = lab == synthroad.ANOMALY
        assert anomaly.any()
        # the pixel right below each anomaly column's lowest anomaly pixel: what it stands on
        cols = np.flatnonzero(anomaly.any(0))
        bottoms = 127 - np.argmax(anomaly[::-1, cols], axis=0)
        below = lab[np.minimum(bottoms + 1, 127), cols]
        on_road += (below == synthroad.ROAD).sum()
        total += cols.size
    assert on_road / total > 0.7


def test_rerun_is_a_no_op_and_other_folders_are_refused(tmp_path):
    out = str(tmp_path / 'sr')
    generate(out, seed=1, **SMALL)
    before = {p: os.stat(osp.join(out, p)).st_mtime_ns for p in digest_tree(out)}
    generate(out, seed=1, **SMALL)
    assert before == {p: os.stat(osp.join(out, p)).st_mtime_ns for p in digest_tree(out)}
    with pytest.raises(ValueError, match='other parameters'):
        generate(out, seed=2, **SMALL)
    foreign = tmp_path / 'mine'
    foreign.mkdir()
    (foreign / 'keep.txt').write_text('user data')
    with pytest.raises(ValueError, match='not a SynthRoad folder'):
        generate(str(foreign), **SMALL)
    assert os.listdir(foreign) == ['keep.txt']


def fail_to_render(job):
    raise RuntimeError('disk full')


def test_failure_leaves_no_partial_output(tmp_path, monkeypatch):
    monkeypatch.setattr(synthroad, '_render_job', fail_to_render)
    with pytest.raises(RuntimeError, match='disk full'):
        generate(str(tmp_path / 'sr'), workers=1, **SMALL)
    assert os.listdir(tmp_path) == []


def test_bad_sizes_are_refused_before_work(tmp_path):
    with pytest.raises(ValueError, match='--height'):
        generate(str(tmp_path / 'x'), **{**SMALL, 'height': 8})
    assert not (tmp_path / 'x').exists()
