"""tools/analysis/medical_panels.py on a published EMIDEC model and the real test patients: one
row per slice (the slices with most anomaly pixels, one per patient) and one column per panel."""
import json
import os.path as osp
import subprocess
import sys

import cv2
import pytest

from tests.conftest import REPO, require_shared


@pytest.mark.slow
def test_panels_of_the_published_model(tmp_path):
    require_shared('data', 'medical', 'emidec')
    models = json.load(open(osp.join(REPO, 'checkpoints', 'emidec', 'models.json')))['models']
    key = next(k for k, m in models.items() if m.get('published', True) and 'base' not in m)
    out = tmp_path / 'panels.png'
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/medical_panels.py', models[key]['config'],
         osp.join('checkpoints', 'emidec', f'{key}.pth'), '--out', str(out), '--slices', '2',
         '--scorer', 'msp'], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    image = cv2.imread(str(out))
    # 2 rows x 4 columns (image, ground truth, prediction, msp) of about 2.2 x 2.3 inches at
    # 110 dpi, cropped to what is drawn
    assert 300 < image.shape[0] < 2 * 2.3 * 110 + 200 and image.shape[1] > image.shape[0]
    proc = subprocess.run(
        [sys.executable, 'tools/analysis/medical_panels.py', models[key]['config'],
         str(tmp_path / 'missing.pth'), '--out', str(tmp_path / 'x.png')],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0 and 'missing.pth does not exist' in proc.stderr
    assert not (tmp_path / 'x.png').exists()
