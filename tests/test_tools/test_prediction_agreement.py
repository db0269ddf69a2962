"""tools/analysis/prediction_agreement.py on real frames: RPL keeps its frozen model's
segmentation by construction (agreement 1), a model against itself too; a wrong file is named."""
import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, require_shared

BASE = ('configs/erfnet/erfnet_deconv-head_released_camvid-512x1024.py',
        'checkpoints/cityscapes/erfnet.pth')
RPL = ('configs/rpl/rpl_erfnet-cityscapes-pre_1xb8-500_camvid-512x512.py',
       'checkpoints/cityscapes/erfnet-rpl.pth')


def run(*args):
    return subprocess.run([sys.executable, 'tools/analysis/prediction_agreement.py', *args],
                          cwd=REPO, capture_output=True, text=True)


@pytest.mark.slow
def test_rpl_agrees_with_its_frozen_model_on_every_inlier_pixel(tmp_path):
    root = require_shared('data', 'dataset_AnomalyTrack')
    out = tmp_path / 'agreement.json'
    proc = run(*BASE, *RPL, '--benchmark', 'AnomalyTrack', '--benchmark-root', root,
               '--out', str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(out))
    assert result['frames'] == 10 and result['agreement'] == 1.0
    assert result['min_frame_agreement'] == 1.0 and 'road' in result['per_class']


def test_missing_checkpoint_is_named(tmp_path):
    root = tmp_path / 'set'
    proc = run(BASE[0], str(tmp_path / 'nothere.pth'), *RPL, '--benchmark', 'AnomalyTrack',
               '--benchmark-root', str(root))
    assert proc.returncode != 0
    assert 'prediction_agreement.py: error:' in proc.stderr
    assert ('nothere.pth' in proc.stderr or str(root) in proc.stderr) and \
        'Traceback' not in proc.stderr
