"""Runs killed with SIGKILL (``kill -9``) in the middle of their writes: nothing is left that a
later run would take as complete, a rerun completes, and a resumed training ends with the
weights of an uninterrupted one. The kill comes from ``tests/kill_switch`` (at the N-th write
to a path matching a pattern), so each test kills at the same point every time."""
import glob
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import zipfile

import cv2
import pytest

from tests.conftest import REPO
from tests.test_apis.test_frames import write_video
from tests.reliability import record
from tests.test_tools.test_bad_inputs import build
from tests.test_tools.test_train_test import (FAST, SYNTHROAD_CFG, same_state,
                                              synthroad_options, trained_state)

KILL_SWITCH = osp.join(REPO, 'tests', 'kill_switch')


def run(argv, kill_on=None):
    env = {**os.environ, 'PYTHONUNBUFFERED': '1'}
    env.pop('ANOMSEG_KILL_PID', None)
    if kill_on:
        env.update(PYTHONPATH=os.pathsep.join([KILL_SWITCH, env.get('PYTHONPATH', '')]),
                   ANOMSEG_KILL_ON=kill_on)
    proc = subprocess.run([sys.executable, *argv], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900)
    if kill_on:
        assert proc.returncode == -signal.SIGKILL, \
            f'not killed (rc {proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}'
    else:
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def temporaries(folder):
    """Hidden temporaries (``.NAME-PID-XXXX``) under ``folder``."""
    return [p for p in glob.glob(osp.join(folder, '**', '.*-*-*'), recursive=True)]


def train_argv(work, data, max_iters):
    return ['tools/train.py', SYNTHROAD_CFG, '--work-dir', work, '--cfg-options', *FAST,
            *synthroad_options(data), f'train_cfg.max_iters={max_iters}',
            'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
            'randomness.deterministic=True']


@pytest.mark.slow
def test_training_killed_while_saving_resumes_to_the_uninterrupted_weights(tiny_synthroad,
                                                                          tmp_path):
    """Killed as it starts writing iter_4.pth of 6: no truncated checkpoint is left, --resume
    continues from iter_2.pth, and iter_6.pth equals that of a run never stopped, bit for bit
    (weights and optimiser moments)."""
    straight, killed = str(tmp_path / 'straight'), str(tmp_path / 'killed')
    run(train_argv(straight, tiny_synthroad, 6))
    run(train_argv(killed, tiny_synthroad, 6), kill_on=r'iter_4\.pth:1')
    assert not osp.exists(osp.join(killed, 'iter_4.pth'))
    assert osp.isfile(osp.join(killed, 'iter_2.pth'))
    log = run([*train_argv(killed, tiny_synthroad, 6), '--resume']).stdout
    assert 'resumed epoch: 0, iter: 2' in log
    (sa, ma), (sb, mb) = trained_state(osp.join(straight, 'iter_6.pth')), \
        trained_state(osp.join(killed, 'iter_6.pth'))
    assert same_state((sa, ma), (sb, mb))
    assert not temporaries(killed)        # the killed save's temporary went with the rerun
    record('train.py', 'kill -9 while saving iter_4.pth of 6, then --resume',
           'resumed from iter_2.pth; iter_6.pth bit-identical to an uninterrupted run '
           f'({len(sa)} tensors, {len(ma)} optimiser moments)')


@pytest.mark.slow
def test_inference_killed_mid_video_leaves_it_incomplete_and_a_rerun_completes(
        assets, tmp_path):
    frames = [cv2.imread(p) for p in sorted(glob.glob(
        osp.join(assets['synthroad'], 'sequence', 'images', '*.png')))] * 2
    write_video(tmp_path / 'drive.mp4', frames, fps=10)
    out = str(tmp_path / 'out')
    argv = ['tools/infer.py', SYNTHROAD_CFG, assets['checkpoint'], str(tmp_path / 'drive.mp4'),
            '--out-dir', out, '--scores', 'npy', '--scorer', 'msp']
    run(argv, kill_on=r'scores/.*\.npy:4')
    assert not osp.exists(osp.join(out, 'summary.json'))
    assert not osp.exists(osp.join(out, 'drive_anomaly.mp4'))
    assert temporaries(out)                         # what the kill cut short
    run(argv)
    summary = json.load(open(osp.join(out, 'summary.json')))
    cap = cv2.VideoCapture(osp.join(out, 'drive_anomaly.mp4'))
    assert summary['frames'] == len(frames) == cap.get(cv2.CAP_PROP_FRAME_COUNT)
    assert len(glob.glob(osp.join(out, 'scores', '*.npy'))) == len(frames)
    assert not temporaries(out)
    record('infer.py', 'kill -9 at the 4th score file of a 6-frame video, then rerun',
           'no summary.json and no video after the kill; the rerun writes all 6 frames, the '
           'video and summary.json, and removes the killed run\'s temporaries')


@pytest.mark.slow
@pytest.mark.parametrize('server_name', ['smiyc', 'oodis'])
def test_submission_killed_leaves_no_output_and_a_rerun_completes(server_name, assets,
                                                                   tmp_path):
    setup = build(f'submit.py {server_name}', str(tmp_path), assets)
    argv = [a.replace('OUT', setup.out) if a == 'OUT' else a for a in setup.argv]
    run(argv, kill_on=(r'\.hdf5:2' if server_name == 'smiyc' else r'_pred\.txt:2'))
    assert not osp.exists(setup.out)
    run(argv)
    zips = glob.glob(osp.join(setup.out, '*.zip'))
    assert len(zips) == 1 and zipfile.ZipFile(zips[0]).testzip() is None
    assert not temporaries(osp.dirname(setup.out))
    record(f'submit.py {server_name}', 'kill -9 at the 2nd frame written, then rerun',
           'no output folder after the kill; the rerun writes and validates the submission')


DATA_PREP = ('anomaly_benchmarks.py', 'cityscapes.py', 'emidec.py convert', 'emidec.py split',
             'msd.py', 'ood_bank.py coco', 'ood_bank.py ade20k', 'synthroad.py')


@pytest.mark.slow
@pytest.mark.parametrize('entry', DATA_PREP)
def test_data_prep_killed_leaves_no_output_and_a_rerun_completes(entry, assets,
                                                                  tmp_path):
    """Killed at the second write inside its temporary output folder."""
    setup = build(entry, str(tmp_path), assets)
    argv = [a.replace('OUT', setup.out) if a == 'OUT' else a for a in setup.argv]
    run(argv, kill_on=rf'/\.{re.escape(osp.basename(setup.out))}-\d+-[^/]*/.:1')
    assert not osp.exists(setup.out)
    left = temporaries(osp.dirname(setup.out))
    assert left
    run(argv)
    assert osp.isdir(setup.out) and os.listdir(setup.out)
    assert not temporaries(osp.dirname(setup.out))
    record(entry, 'kill -9 at its first write inside the output, then rerun',
           'no output folder after the kill; the rerun completes and removes the temporary')


def test_a_truncated_checkpoint_is_named(server, assets, tmp_path):
    data = open(assets['checkpoint'], 'rb').read()
    bad = tmp_path / 'model.pth'
    bad.write_bytes(data[:len(data) // 3])
    for argv in (['tools/test.py', SYNTHROAD_CFG, str(bad), '--work-dir', str(tmp_path / 'w'),
                  '--cfg-options', *FAST, *synthroad_options(assets['synthroad'])],
                 ['tools/infer.py', SYNTHROAD_CFG, str(bad),
                  osp.join(assets['synthroad'], 'anomaly', 'images'), '--out-dir',
                  str(tmp_path / 'o')]):
        rc, _, stderr = server.run(*argv)
        line = stderr.strip().splitlines()[-1]
        assert rc == 2 and 'Traceback' not in stderr, stderr[-3000:]
        assert f'{bad}: not a readable checkpoint' in line and 'truncated' in line, line
        assert not osp.exists(tmp_path / 'o') and not osp.exists(tmp_path / 'w' / 'metrics.json')
        record(argv[0].split('/')[-1], 'checkpoint truncated on disk',
               'error: ' + line.split(': error: ', 1)[1].replace(str(tmp_path), '…'))
