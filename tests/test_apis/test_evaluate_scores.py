import json
import os
import os.path as osp
import subprocess
import sys

import h5py
import numpy as np
import pytest

from anomseg.apis.evaluate_scores import evaluate, read_score_file
from tests.conftest import REPO, require_shared


def assert_official_numbers(data_root, scores_dir, reference, out):
    """tools/eval_scores.py on AnomalyTrack frames gives the official evaluators' numbers."""
    subprocess.run([sys.executable, 'tools/eval_scores.py', '--dataset', 'AnomalyTrack',
                    '--data-root', data_root, '--scores', scores_dir, '--out', str(out)],
                   check=True, cwd=REPO, capture_output=True)
    got = json.loads(out.read_text())
    with open(reference + '.json') as fh:
        ref = json.load(fh)
    for key in ('AP', 'AUROC', 'FPR95'):
        assert got[key] == pytest.approx(ref['exact'][key], abs=1e-6), key
    for key in ('AP', 'AUROC', 'FPR95'):
        assert got[key + '_smiyc'] == pytest.approx(
            ref['smiyc_pixel_percentile_bins'][key], abs=1e-4), key
    comp = ref['smiyc_components_AnomalyTrack']
    for key in ('sIoU_gt', 'sIoU_pred', 'PPV', 'mean_F1'):
        assert got[key] == pytest.approx(comp[key], abs=1e-4), key


@pytest.mark.parametrize('name', ['AnomalyTrack-noisy', 'AnomalyTrack-ties'])
def test_cli_reproduces_the_official_evaluators(name, tmp_path):
    scores = require_shared('reference', name)
    data = require_shared('data', 'dataset_AnomalyTrack')
    assert_official_numbers(data, scores, scores, tmp_path / 'r.json')


def copy_as_hdf5(src, dst):
    os.makedirs(dst)
    for name in os.listdir(src):
        with h5py.File(osp.join(dst, name[:-4] + '.hdf5'), 'w') as fh:
            fh.create_dataset('value', data=np.load(osp.join(src, name)).astype(np.float16),
                              compression='gzip')


def test_smiyc_hdf5_submissions_read_like_npy(tmp_path):
    scores = require_shared('reference', 'AnomalyTrack-ties')
    data = require_shared('data', 'dataset_AnomalyTrack')
    copy_as_hdf5(scores, tmp_path / 'h5')
    assert evaluate('AnomalyTrack', data, str(tmp_path / 'h5')) == \
        evaluate('AnomalyTrack', data, scores)


def test_missing_frames_and_bad_ranges_are_named_before_work(tmp_path):
    data = require_shared('data', 'dataset_AnomalyTrack')
    os.makedirs(tmp_path / 's')
    np.save(tmp_path / 's' / 'validation0000.npy', np.zeros((720, 1280), np.float16))
    with pytest.raises(FileNotFoundError, match='no score file for 9 of 10 frames'):
        evaluate('AnomalyTrack', data, str(tmp_path / 's'))
    for i in range(10):
        np.save(tmp_path / 's' / f'validation{i:04d}.npy', np.full((720, 1280), 2.0, np.float16))
    with pytest.raises(ValueError, match=r'validation0000.*\[2, 2\].*\[0, 1\].*unit-map arctan'):
        evaluate('AnomalyTrack', data, str(tmp_path / 's'), unit_map=None)
    np.save(tmp_path / 's' / 'validation0000.npy', np.full((720, 1280), 0.5, np.float16))
    with pytest.raises(ValueError, match=r'validation0001.*\[2, 2\].*\[0, 1\].*unit-map arctan'):
        evaluate('AnomalyTrack', data, str(tmp_path / 's'))  # auto: chosen on frame 0
    np.save(tmp_path / 's' / 'validation0000.npy', np.zeros((10, 10), np.float16))
    with pytest.raises(ValueError, match=r'validation0000.npy: scores of shape \(10, 10\) for'):
        evaluate('AnomalyTrack', data, str(tmp_path / 's'))


def test_road_anomaly_synthetic_maps_give_every_metric_including_instances(tmp_path):
    data = require_shared('data', 'RoadAnomaly_jpg')
    subprocess.run([sys.executable, 'tools/misc/synthetic_scores.py', '--dataset', 'RoadAnomaly',
                    '--data-root', data, '--out', str(tmp_path / 's')], check=True, cwd=REPO,
                   capture_output=True)
    assert len(os.listdir(tmp_path / 's')) == 60
    out = evaluate('RoadAnomaly', data, str(tmp_path / 's'))
    for key in ('AP', 'AUROC', 'FPR95', 'AP_smiyc', 'FPR95_smiyc', 'sIoU_gt', 'PPV', 'mean_F1',
                'AP_inst', 'AP50_inst'):
        assert 0 <= out[key] <= 1, key
    assert out['AP50_inst'] >= out['AP_inst']


def test_maps_of_any_range_are_evaluated_as_tools_test_does(tmp_path):
    """Max-logit-like maps in [0, 9]: the exact metrics are those of the same ranking in [0, 1]
    (the official numbers), the SMIYC-binned ones read 1/2 + arctan(s) / pi."""
    scores = require_shared('reference', 'AnomalyTrack-noisy')
    data = require_shared('data', 'dataset_AnomalyTrack')
    os.makedirs(tmp_path / 'wide')
    for name in os.listdir(scores):
        np.save(tmp_path / 'wide' / name, np.load(osp.join(scores, name)).astype(np.float32) * 9)
    out = tmp_path / 'r.json'
    run = subprocess.run([sys.executable, 'tools/eval_scores.py', '--dataset', 'AnomalyTrack',
                          '--data-root', data, '--scores', str(tmp_path / 'wide'), '--out',
                          str(out)], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    got = json.loads(out.read_text())
    with open(scores + '.json') as fh:
        ref = json.load(fh)
    for key in ('AP', 'AUROC', 'FPR95'):
        assert got[key] == pytest.approx(ref['exact'][key], abs=1e-6), key
        assert got[key + '_smiyc'] == pytest.approx(ref['smiyc_pixel_percentile_bins'][key],
                                                    abs=1e-3), key
    assert got['best_F1_threshold'] == pytest.approx(
        9 * ref['smiyc_pixel_percentile_bins']['best_F1_threshold'], rel=1e-3)
    explicit = evaluate('AnomalyTrack', data, str(tmp_path / 'wide'), unit_map='arctan')
    assert {k: v for k, v in got.items() if k != 'dataset'} == explicit


def valid_score_files(folder):
    """A float16 .npy and a SMIYC .hdf5 map, as bytes."""
    import io
    scores = np.linspace(0, 1, 48, dtype=np.float16).reshape(6, 8)
    buf = io.BytesIO()
    np.save(buf, scores)
    with h5py.File(osp.join(folder, 'seed.hdf5'), 'w') as fh:
        fh.create_dataset('value', data=scores, compression='gzip')
    with open(osp.join(folder, 'seed.hdf5'), 'rb') as fh:
        return {'.npy': buf.getvalue(), '.hdf5': fh.read()}


def test_malformed_score_files_get_our_error_only(tmp_path):
    """Fuzz: truncated, bit-flipped and spliced score files either load as a 2-D real map or
    raise one ValueError naming the file; nothing else escapes."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    seeds = valid_score_files(str(tmp_path))

    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(sorted(seeds)), st.data())
    def check(suffix, data):
        raw = bytearray(seeds[suffix])
        for _ in range(data.draw(st.integers(0, 4))):
            at = data.draw(st.integers(0, len(raw) - 1))
            raw[at] = data.draw(st.integers(0, 255))
        raw = raw[:data.draw(st.integers(0, len(raw)))]
        path = str(tmp_path / f'fuzz{suffix}')
        with open(path, 'wb') as fh:
            fh.write(raw)
        try:
            scores = read_score_file(path)
        except ValueError as err:
            assert str(err).startswith(path + ':')
        else:
            assert scores.ndim == 2 and scores.dtype.kind in 'fiub'

    check()
    np.save(tmp_path / 'objects.npy', np.array([{'a': 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match='objects.npy: not a readable score map'):
        read_score_file(str(tmp_path / 'objects.npy'))
    np.save(tmp_path / 'cube.npy', np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match=r'cube.npy: expected a 2-D map .* \(2, 3, 4\)'):
        read_score_file(str(tmp_path / 'cube.npy'))
    with pytest.raises(FileNotFoundError, match='missing.npy: no such score file'):
        read_score_file(str(tmp_path / 'missing.npy'))


def test_crafted_hdf5_score_files_read_nothing_outside_them(tmp_path):
    """A submission file whose ``value`` is a link to another file, a group, or a dataset with
    virtual or external storage (all of which would read other files) is refused, named."""
    from anomseg.apis.evaluate_scores import score_file_header
    from tests.reliability import record
    secret = np.arange(12, dtype=np.float32).reshape(3, 4)
    with h5py.File(tmp_path / 'other.hdf5', 'w') as fh:
        fh['secret'] = secret
    secret.tofile(tmp_path / 'raw.bin')
    crafted = {
        'external link': lambda fh: fh.__setitem__('value', h5py.ExternalLink(
            str(tmp_path / 'other.hdf5'), 'secret')),
        'soft link': lambda fh: (fh.__setitem__('data', secret),
                                 fh.__setitem__('value', h5py.SoftLink('/data'))),
        'group': lambda fh: fh.create_group('value'),
        'virtual dataset': lambda fh: fh.create_virtual_dataset('value', virtual(tmp_path)),
        'external storage': lambda fh: fh.create_dataset(
            'value', (3, 4), np.float32, external=[(str(tmp_path / 'raw.bin'), 0, 48)]),
    }
    messages = {'external link': 'ExternalLink', 'soft link': 'SoftLink', 'group': 'a group',
                'virtual dataset': 'other files', 'external storage': 'other files'}
    for name, make in crafted.items():
        path = str(tmp_path / f'{name.replace(" ", "_")}.hdf5')
        with h5py.File(path, 'w') as fh:
            make(fh)
        for read in (read_score_file, score_file_header):
            with pytest.raises(ValueError, match=f'{path}: not a readable score map.*'
                                                 f'{messages[name]}'):
                read(path)
        record('eval_scores.py', f'crafted .hdf5 score map: "value" as {name}',
               f'refused, naming the file ("{messages[name]}")')


def virtual(tmp_path):
    layout = h5py.VirtualLayout(shape=(3, 4), dtype=np.float32)
    layout[:] = h5py.VirtualSource(str(tmp_path / 'other.hdf5'), 'secret', shape=(3, 4))
    return layout


def test_an_npz_archive_under_an_npy_name_is_named(tmp_path):
    from anomseg.apis.evaluate_scores import score_file_header
    np.savez(tmp_path / 'a.npz', value=np.zeros((4, 4), np.float32))
    os.replace(tmp_path / 'a.npz', tmp_path / 'a.npy')
    for read in (read_score_file, score_file_header):
        with pytest.raises(ValueError, match='a.npy: not a readable score map.*NpzFile'):
            read(str(tmp_path / 'a.npy'))
