"""LoadSliceStack: a slice with its neighbours as three channels, read back against the files
OpenCV reads one by one; its errors name the file."""
import cv2
import numpy as np
import pytest

from anomseg.apis.run_config import load_config
from anomseg.datasets.transforms import LoadSliceStack, stacks_slices
from tests.conftest import REPO


def grey_slices(tmp_path, count=3, size=(24, 20)):
    rng = np.random.default_rng(1)
    paths = []
    for i in range(count):
        path = str(tmp_path / f'Case_N001_slice{i:03d}.png')
        cv2.imwrite(path, rng.integers(0, 256, size, dtype=np.uint8))
        paths.append(path)
    return paths


def test_channels_are_previous_slice_next(tmp_path):
    paths = grey_slices(tmp_path)
    out = LoadSliceStack()(dict(img_path=paths[1], neighbour_paths=(paths[0], paths[2])))
    assert out['img'].shape == (24, 20, 3) and out['img'].dtype == np.uint8
    for channel, path in enumerate(paths):
        np.testing.assert_array_equal(out['img'][:, :, channel],
                                      cv2.imread(path, cv2.IMREAD_GRAYSCALE))
    assert out['img_shape'] == out['ori_shape'] == (24, 20)


def test_a_colour_file_counts_as_its_grey_levels(tmp_path):
    paths = grey_slices(tmp_path)
    grey = cv2.imread(paths[0], cv2.IMREAD_GRAYSCALE)
    cv2.imwrite(paths[0], cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))
    out = LoadSliceStack()(dict(img_path=paths[1], neighbour_paths=(paths[0], paths[2])))
    np.testing.assert_array_equal(out['img'][:, :, 0], grey)


@pytest.mark.parametrize('case', ['no neighbours', 'size', 'unreadable'])
def test_bad_neighbours_are_named(tmp_path, case):
    paths = grey_slices(tmp_path)
    results = dict(img_path=paths[1], neighbour_paths=(paths[0], paths[2]))
    if case == 'no neighbours':
        del results['neighbour_paths']
        bad, message = paths[1], 'neighbour_paths'
    elif case == 'size':
        cv2.imwrite(paths[2], np.zeros((24, 21), np.uint8))
        bad, message = paths[2], f'a slice of 21x24 beside {paths[1]} of 20x24'
    else:
        with open(paths[0], 'wb') as f:
            f.write(b'not a png')
        bad, message = paths[0], 'not a readable image'
    with pytest.raises(ValueError) as err:
        LoadSliceStack()(results)
    assert str(err.value).startswith(bad) and message in str(err.value)


def test_a_config_stacks_slices_where_its_test_pipeline_loads_them():
    mask2former = f'{REPO}/configs/mask2former/mask2former-lite_mnv2_1xb8-1k_emidec-a-{{}}.py'
    stacked = load_config(mask2former.format('25d-256x256'))
    assert stacks_slices(stacked)
    assert [step['type'] for step in stacked.train_dataloader.dataset.pipeline][:2] == [
        'LoadSliceStack', 'LoadAnnotationsChecked']
    assert not stacks_slices(load_config(mask2former.format('256x256')))
