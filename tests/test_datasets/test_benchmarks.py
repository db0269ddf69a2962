"""benchmark_frames: every frame of a benchmark folder with its image and anomaly labels, in
order; an unreadable image is named."""
import os.path as osp

import cv2
import numpy as np
import pytest

from anomseg.datasets.benchmarks import benchmark_frames, build_benchmark
from anomseg.utils.errors import InputError
from tests.test_datasets.test_validation_bundle import labels_with, write_frames


def test_benchmark_frames_give_each_image_and_its_labels_in_order(tmp_path):
    root = str(tmp_path / 'FS_LostFound_full')
    frames = {str(i): labels_with(1, i) for i in range(3)}  # 0 inlier, 1 anomaly, 255 void
    write_frames(root, frames, '.png')
    got = list(benchmark_frames(build_benchmark('FishyscapesLAF', root)[0]))
    assert [osp.basename(info['img_path']) for info, _, _ in got] == ['0.png', '1.png', '2.png']
    for (info, image, labels), stem in zip(got, ['0', '1', '2']):
        assert np.array_equal(image, cv2.imread(osp.join(root, 'images', stem + '.png')))
        assert np.array_equal(labels, frames[stem])


def test_benchmark_frames_name_an_unreadable_image(tmp_path):
    root = str(tmp_path / 'FS_LostFound_full')
    write_frames(root, {'0': labels_with(1, 0), '1': labels_with(1, 1)}, '.png')
    bad = osp.join(root, 'images', '1.png')
    open(bad, 'wb').write(b'not an image')
    frames = benchmark_frames(build_benchmark('FishyscapesLAF', root)[0])
    assert osp.basename(next(frames)[0]['img_path']) == '0.png'
    with pytest.raises(InputError, match='1.png: not a readable image'):
        next(frames)
