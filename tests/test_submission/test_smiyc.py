import os
import zipfile

import h5py
import numpy as np
import pytest

from anomseg.submission import validate_smiyc_submission, write_smiyc_submission


def frames(n=3, shape=(6, 8)):
    rng = np.random.default_rng(0)
    return [(f'frame{i}', rng.random(shape).astype(np.float32)) for i in range(n)]


def test_written_files_read_back_and_zip_has_the_server_layout(tmp_path):
    data = frames()
    out = str(tmp_path / 'sub')
    zip_path = write_smiyc_submission(iter(data), out, 'mine', 'AnomalyTrack-all',
                                      expected_shapes={f: s.shape for f, s in data})
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
        write_smiyc_submission(iter(data), str(out), 'mine', 'ObstacleTrack-all', expected)
    assert not out.exists() and os.listdir(tmp_path) == []
    expected = {f: (8, 6) for f, _ in data}
    with pytest.raises(ValueError, match=r'shape \(6, 8\), expected \(8, 6\)'):
        write_smiyc_submission(iter(data), str(out), 'mine', 'ObstacleTrack-all', expected)
    with pytest.raises(ValueError, match='split'):
        write_smiyc_submission(iter(data), str(out), 'mine', 'AnomalyTrack', None)


def test_interrupted_writer_leaves_no_folder(tmp_path):
    def gen():
        yield from frames(2)
        raise KeyboardInterrupt
    with pytest.raises(KeyboardInterrupt):
        write_smiyc_submission(gen(), str(tmp_path / 'sub'), 'mine', 'LostAndFound-test')
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
