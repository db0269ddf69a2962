"""The validation bundle (Validation_Dataset/{RoadAnomaly21, RoadObsticle21, FS_LostFound_full,
fs_static, RoadAnomaly}/{images, labels_masks}) read as each benchmark, next to the official
layouts."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from anomseg.apis.evaluate_scores import evaluate
from anomseg.datasets.benchmarks import build_benchmark
from tests.conftest import require_shared
from tests.test_apis.test_evaluate_scores import assert_official_numbers


def write_frames(root, frames, image_ext):
    """frames: {stem: labels}; images are noise of the labels' size."""
    os.makedirs(osp.join(root, 'images'))
    os.makedirs(osp.join(root, 'labels_masks'))
    rng = np.random.default_rng(0)
    for stem, labels in frames.items():
        image = rng.integers(0, 255, labels.shape + (3,), dtype=np.uint8)
        assert cv2.imwrite(osp.join(root, 'images', stem + image_ext), image)
        assert cv2.imwrite(osp.join(root, 'labels_masks', stem + '.png'), labels)


def labels_with(anomaly_id, seed):
    labels = np.zeros((40, 60), np.uint8)
    labels[10 + seed:20 + seed, 5:25] = anomaly_id
    labels[:4] = 255 if anomaly_id != 2 else 0  # RoadAnomaly has no void
    return labels


def test_fishyscapes_lost_and_found_bundle_needs_no_lostandfound_download(tmp_path):
    root = str(tmp_path / 'FS_LostFound_full')
    frames = {str(i): labels_with(1, i) for i in range(3)}
    write_frames(root, frames, '.png')
    dataset, components = build_benchmark('FishyscapesLAF', root)
    assert [osp.basename(dataset.get_data_info(i)['img_path']) for i in range(3)] == \
        ['0.png', '1.png', '2.png']
    scores_dir = tmp_path / 'scores'
    scores_dir.mkdir()
    rng = np.random.default_rng(1)
    maps = {stem: (rng.random(l.shape) * 0.6 + 0.4 * (l == 1)).astype(np.float32)
            for stem, l in frames.items()}
    for stem, m in maps.items():
        np.save(scores_dir / f'{stem}.npy', m)
    got = evaluate('FishyscapesLAF', root, str(scores_dir))
    labels = np.concatenate([frames[s].ravel() for s in sorted(frames)])
    scores = np.concatenate([maps[s].ravel() for s in sorted(frames)])
    keep = labels != 255
    assert got['AP'] == pytest.approx(average_precision_score(labels[keep] == 1, scores[keep]),
                                      abs=1e-12)


def test_road_anomaly_bundle_maps_its_anomaly_id_and_static_reads_png_frames(tmp_path):
    road = str(tmp_path / 'RoadAnomaly')
    write_frames(road, {'0': labels_with(2, 0), '1': labels_with(1, 1)}, '.jpg')
    dataset, _ = build_benchmark('RoadAnomaly', road)
    assert len(dataset) == 2 and dataset.get_data_info(0)['anomaly_label_map'] == {2: 1}
    static = str(tmp_path / 'fs_static')
    write_frames(static, {str(i): labels_with(1, i) for i in range(4)}, '.png')
    dataset, _ = build_benchmark('FishyscapesStatic', static)
    assert len(dataset) == 4
    obstacle = str(tmp_path / 'RoadObsticle21')
    write_frames(obstacle, {'a': labels_with(1, 0)}, '.webp')
    assert len(build_benchmark('ObstacleTrack', obstacle)[0]) == 1


def test_unrecognised_layouts_and_missing_partners_are_named(tmp_path):
    (tmp_path / 'frames').mkdir()
    with pytest.raises(FileNotFoundError, match=rf'RoadAnomaly: {tmp_path} is in none of the '
                       r'layouts accepted: the official EPFL layout .*; the validation bundle'):
        build_benchmark('RoadAnomaly', str(tmp_path))
    root = str(tmp_path / 'bundle')
    write_frames(root, {'0': labels_with(1, 0), '1': labels_with(1, 1)}, '.png')
    os.remove(osp.join(root, 'images', '1.png'))
    with pytest.raises(FileNotFoundError, match=r"1 images .*labels without image: \['1'\]"):
        build_benchmark('FishyscapesStatic', root)
    laf = tmp_path / 'laf_official'
    laf.mkdir()
    (laf / '0001_labels.png').write_bytes(b'')
    with pytest.raises(ValueError, match='FishyscapesLAF: .* give --laf-root'):
        build_benchmark('FishyscapesLAF', str(laf))


@pytest.mark.slow
def test_anomaly_track_as_bundle_reproduces_the_official_evaluator(tmp_path):
    """RoadAnomaly21 of the bundle holds the AnomalyTrack frames as N.png with labels N.png:
    evaluated as AnomalyTrack it gives the official evaluator's numbers (shared/reference)."""
    data = require_shared('data', 'dataset_AnomalyTrack')
    scores = require_shared('reference', 'AnomalyTrack-noisy')
    root = tmp_path / 'Validation_Dataset' / 'RoadAnomaly21'
    (root / 'images').mkdir(parents=True)
    (root / 'labels_masks').mkdir()
    renamed = tmp_path / 'scores'
    renamed.mkdir()
    for i, name in enumerate(sorted(os.listdir(osp.join(data, 'images')))):
        stem = osp.splitext(name)[0]
        image = cv2.imread(osp.join(data, 'images', name))
        cv2.imwrite(str(root / 'images' / f'{i}.png'), image)  # lossless: the same pixels
        label = cv2.imread(osp.join(data, 'labels_masks', f'{stem}_labels_semantic.png'),
                           cv2.IMREAD_UNCHANGED)
        cv2.imwrite(str(root / 'labels_masks' / f'{i}.png'), label)
        np.save(renamed / f'{i}.npy', np.load(osp.join(scores, f'{stem}.npy')))
    assert_official_numbers(str(root), str(renamed), scores, tmp_path / 'r.json')
