"""The one-command paths of the deliverables: video -> heatmap MP4, checkpoint -> submission."""
import glob
import os.path as osp
import zipfile

import cv2
import pytest

from tests.test_apis.test_frames import write_video
from tests.test_tools.test_train_test import run_tool

CFG = 'configs/deeplabv3plus/deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py'


@pytest.mark.slow
def test_video_to_heatmap_mp4(assets, tiny_synthroad, tmp_path):
    checkpoint = assets['checkpoint']
    frames = [cv2.imread(p) for p in
              sorted(glob.glob(osp.join(tiny_synthroad, 'sequence', 'images', '*.png')))]
    write_video(tmp_path / 'drive.mp4', frames, fps=10)
    out = tmp_path / 'out'
    log = run_tool('tools/infer.py', CFG, checkpoint, str(tmp_path / 'drive.mp4'),
                   '--out-dir', str(out), '--scores', 'npy')
    assert '"frames": 3' in log
    cap = cv2.VideoCapture(str(out / 'drive_anomaly.mp4'))
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 3 and cap.get(cv2.CAP_PROP_FPS) == 10
    assert len(glob.glob(str(out / 'scores' / '*.npy'))) == 3 * 4     # 4 scorers


@pytest.mark.slow
def test_checkpoint_to_smiyc_and_oodis_submissions(assets, tiny_synthroad, tmp_path):
    checkpoint = assets['checkpoint']
    images = osp.join(tiny_synthroad, 'anomaly', 'images')
    run_tool('tools/submit.py', 'smiyc', CFG, checkpoint, '--images', images, '--split',
             'AnomalyTrack-all', '--method', 'anomseg-test', '--out-dir', str(tmp_path / 's'),
             '--partial')
    with zipfile.ZipFile(tmp_path / 's' / 'anomseg-test_AnomalyTrack-all.zip') as zf:
        assert sorted(zf.namelist()) == [
            f'anomaly_p/anomseg-test/AnomalyTrack-all/anomaly_{i:04d}.hdf5' for i in range(3)]
    expected = tmp_path / 'expected.txt'
    expected.write_text(''.join(f'{b}/anomaly_{i:04d}_instanceIds_pred.txt\n'
                                for b in ('roadanomaly', 'roadobstacle') for i in range(3)))
    run_tool('tools/submit.py', 'oodis', CFG, checkpoint, '--roadanomaly', images,
             '--roadobstacle', images, '--expected-files', str(expected), '--threshold', '0.5',
             '--out-dir', str(tmp_path / 'o'))
    with zipfile.ZipFile(tmp_path / 'o' / 'oodis_submission.zip') as zf:
        txts = sorted(n for n in zf.namelist() if n.endswith('_pred.txt'))
    assert txts == [f'{b}/anomaly_{i:04d}_instanceIds_pred.txt'
                    for b in ('roadanomaly', 'roadobstacle') for i in range(3)]


def test_a_model_name_stands_for_config_and_checkpoint(tiny_synthroad, tmp_path):
    """infer.py NAME SOURCE writes what infer.py CONFIG CHECKPOINT SOURCE writes; a config
    file without its checkpoint is named in one line."""
    import json
    import subprocess
    import sys

    import numpy as np

    from anomseg.apis import get_model
    from tests.conftest import REPO
    src = osp.join(tiny_synthroad, 'anomaly', 'images', 'anomaly_0000.png')
    info = get_model('dlv3p_camvid')
    for out, model in (('name', ['dlv3p_camvid']), ('files', [info.config, info.checkpoint])):
        run_tool('tools/infer.py', *model, src, '--out-dir', str(tmp_path / out), '--scores',
                 'npy', '--scorer', 'msp')
        assert json.load(open(tmp_path / out / 'summary.json'))['frames'] == 1
    a, b = (np.load(tmp_path / out / 'scores' / 'anomaly_0000.npy') for out in ('name', 'files'))
    assert np.array_equal(a, b)
    proc = subprocess.run([sys.executable, 'tools/infer.py', info.config, src, '--out-dir',
                           str(tmp_path / 'x')], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stderr.strip().count('\n') == 0
    assert 'a config file needs a CHECKPOINT' in proc.stderr
