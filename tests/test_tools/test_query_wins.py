"""tools/analysis/query_wins.py on real frames: every labelled pixel is won by one query of the
published Mask2Former-lite, counted per class; a per-pixel model is refused by name."""
import glob
import json
import os.path as osp
import subprocess
import sys

import cv2
import pytest

from tests.conftest import REPO, require_shared

M2F = ('configs/mask2former/mask2former-lite_efficientvit-b0-cityscapes-pre_1xb4-500_'
       'camvid-pseudo-384x384.py', 'checkpoints/cityscapes/m2f-evit.pth')
ERFNET = ('configs/erfnet/erfnet_deconv-head_released_camvid-512x1024.py',
          'checkpoints/cityscapes/erfnet.pth')


def run(*args):
    return subprocess.run([sys.executable, 'tools/analysis/query_wins.py', *args],
                          cwd=REPO, capture_output=True, text=True)


@pytest.mark.slow
def test_every_labelled_pixel_is_won_once(tmp_path):
    root = require_shared('data', 'dataset_AnomalyTrack')
    out = tmp_path / 'wins.json'
    proc = run(*M2F, '--benchmark', 'AnomalyTrack', '--benchmark-root', root, '--out', str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.load(open(out))
    labels = [cv2.imread(p, cv2.IMREAD_UNCHANGED) for p in sorted(glob.glob(
        osp.join(root, 'labels_masks', '*_labels_semantic.png')))]
    assert result['frames'] == len(labels) == 10
    for name, value in (('anomaly', 1), ('inlier', 0)):
        assert result[name]['pixels'] == sum(int((y == value).sum()) for y in labels)
        for frame in result['per_frame']:
            assert sum(frame[name]['by_class']) == frame[name]['pixels']
        shares = result[name]['top_classes']
        assert 0 < sum(shares.values()) <= 1 + 1e-9 and len(shares) <= 5
        assert 1 <= result[name]['winning_queries'] <= 50
        assert 0 < result[name]['mean_claim'] <= 1
    assert 'anomaly pixels' in proc.stdout and 'no-object' in proc.stdout


def test_a_per_pixel_model_is_refused_by_name():
    root = require_shared('data', 'dataset_AnomalyTrack')
    proc = run(*ERFNET, '--benchmark', 'AnomalyTrack', '--benchmark-root', root)
    assert proc.returncode == 2
    assert 'query wins need a mask-transformer head' in proc.stderr and ERFNET[0] in proc.stderr
    assert 'Traceback' not in proc.stderr
