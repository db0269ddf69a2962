import os
import zipfile

import h5py
import numpy as np
import pytest

from anomseg.submission import (SMIYC_SPLIT_FRAMES, smiyc_frame_path, validate_smiyc_submission,
                                write_smiyc_submission)


def frames(n=3, shape=(6, 8)):
    rng = np.random.default_rng(0)
    return [(f'frame{i}', rng.random(shape).astype(np.float32)) for i in range(n)]


def test_written_files_read_back_and_zip_has_the_server_layout(tmp_path):
    data = frames()
    out = str(tmp_path / 'sub')
    zip_path = write_smiyc_submission(iter(data), out, 'mine', 'AnomalyTrack-all',
                                      expected_shapes={f: s.shape for f, s in data},
                                      partial=True)
    assert zip_path == os.path.join(out, 'mine_AnomalyTrack-all.zip')
    with zipfile.ZipFile(zip_path) as zf:
        names = sorted(zf.namelist())
        assert names == [f'anomaly_p/mine/AnomalyTrack-all/frame{i}.hdf5' for i in range(3)]
        zf.extractall(tmp_path / 'unzipped')
    for frame, scores in data:
        path = tmp_path / 'unzipped' / 'anomaly_p' / 'mine' / 'AnomalyTrack-all' / f'{frame}.hdf5'
        with h5py.File(path, 'r') as fh:
            assert fh['value'].dtype == np.float16 and fh['value'].compression == 'gzip'
            assert np.array_equal(fh['value'][()], scores.astype(np.float16))


def test_missing_frame_or_wrong_shape_fails_and_leaves_nothing(tmp_path):
    data = frames()
    expected = {f: s.shape for f, s in data}
    expected['frame3'] = (6, 8)
    out = tmp_path / 'sub'
    with pytest.raises(ValueError, match='frame3: missing'):
        write_smiyc_submission(iter(data), str(out), 'mine', 'ObstacleTrack-all', expected,
                               partial=True)
    assert not out.exists() and os.listdir(tmp_path) == []
    expected = {f: (8, 6) for f, _ in data}
    with pytest.raises(ValueError, match=r'shape \(6, 8\), expected \(8, 6\)'):
        write_smiyc_submission(iter(data), str(out), 'mine', 'ObstacleTrack-all', expected,
                               partial=True)
    with pytest.raises(ValueError, match='split'):
        write_smiyc_submission(iter(data), str(out), 'mine', 'AnomalyTrack', None)


def test_interrupted_writer_leaves_no_folder(tmp_path):
    def gen():
        yield from frames(2)
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_smiyc_submission(gen(), str(tmp_path / 'sub'), 'mine', 'LostAndFound-test',
                               partial=True)
    assert os.listdir(tmp_path) == []


def test_validator_reads_dtype_and_extra_files(tmp_path):
    folder = tmp_path / 'anomaly_p' / 'm' / 'AnomalyTrack-all'
    os.makedirs(folder)
    with h5py.File(folder / 'a.hdf5', 'w') as fh:
        fh.create_dataset('value', data=np.zeros((2, 2), np.float32))
    with h5py.File(folder / 'b.hdf5', 'w') as fh:
        fh.create_dataset('value', data=np.zeros((2, 2), np.float16))
    with pytest.raises(ValueError) as err:
        validate_smiyc_submission(str(tmp_path), 'm', 'AnomalyTrack-all', {'a': (2, 2)})
    assert 'a: dtype float32' in str(err.value) and 'b: not a frame' in str(err.value)


def test_splits_are_the_official_definitions():
    # road_anomaly_benchmark/datasets/tracks.py: AnomalyTrack-all expects 110 images; the
    # ObstacleTrack scenes split into test 327, night 30, snowstorm 55 and 40 validation images
    # (30 in its validation split after 10 excluded prefixes), all read by ObstacleTrack-all;
    # LostAndFound-test expects 1203
    assert SMIYC_SPLIT_FRAMES == {'AnomalyTrack-all': 110,
                                  'ObstacleTrack-all': 327 + 30 + 55 + 40,
                                  'LostAndFound-test': 1203}
    data = frames(2)
    with pytest.raises(ValueError, match='AnomalyTrack-all has 110 frames, 2 given'):
        write_smiyc_submission(iter(data), 'unused', 'mine', 'AnomalyTrack-all',
                               expected_shapes={f: s.shape for f, s in data})


def test_files_read_back_as_the_official_loader_does(tmp_path):
    # the official Evaluation reads DIR_OUTPUTS/anomaly_p/{method_name}/{dset_name}/{fid}.hdf5
    # and its HDF5 channel loader returns the dataset "value"
    data = frames(2, (5, 7))
    zip_path = write_smiyc_submission(iter(data), str(tmp_path / 'sub'), 'Mine-1',
                                      'ObstacleTrack-all', partial=True)
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(tmp_path / 'outputs')
    template = str(tmp_path / 'outputs' / 'anomaly_p/{method_name}/{dset_name}/{fid}.hdf5')
    for fid, scores in data:
        path = template.format(method_name='Mine-1', dset_name='ObstacleTrack-all', fid=fid)
        assert path == smiyc_frame_path(str(tmp_path / 'outputs'), 'Mine-1', 'ObstacleTrack-all',
                                        fid)
        with h5py.File(path, 'r') as fh:
            value = fh['value'][:]
        assert value.dtype == np.float16 and value.shape == (5, 7)
        np.testing.assert_array_equal(value, scores.astype(np.float16))
