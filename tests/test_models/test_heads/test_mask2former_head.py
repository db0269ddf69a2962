import subprocess
import sys

from tests.conftest import REPO


def test_missing_mmdet_gets_a_clear_error():
    """mmseg's Mask2FormerHead silently becomes a bare module when mmdet does not import (seen on
    a GPU machine missing one of mmdet's dependencies); our head says so instead of failing on
    an unexpected keyword."""
    code = ("import sys; sys.modules['mmdet'] = None\n"
            "import anomseg\n"
            "from mmseg.registry import MODELS\n"
            "MODELS.build(dict(type='AnomalyMask2FormerHead', in_channels=[8], num_classes=3))\n")
    proc = subprocess.run([sys.executable, '-c', code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0
    assert 'ImportError: Mask2Former heads need mmdet' in proc.stderr
    assert 'unexpected keyword' not in proc.stderr
