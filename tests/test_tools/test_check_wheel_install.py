"""The wheel installs into a fresh environment of the pinned OpenMMLab stack, adds only what
anomseg needs, scores a frame there, and a command whose extra is missing says which
(tools/misc/check_wheel_install.py; pip reaches the package index or its cache)."""
import json
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_wheel_installs_into_the_pinned_stack_and_scores_a_frame(tmp_path):
    out = tmp_path / 'result.json'
    proc = subprocess.run([sys.executable, 'tools/misc/check_wheel_install.py',
                           '--work', str(tmp_path / 'work'), '--json', str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    added = {p.split('==')[0].lower() for p in result['installed_by_wheel']}
    assert 'anomseg' in added
    assert not added & {'torch', 'mmcv', 'mmcv-lite', 'mmengine', 'mmsegmentation',
                        'opencv-python-headless'}
    pins = dict(line.strip().split('==') for line in open(f'{REPO}/requirements/constraints.txt')
                if '==' in line)
    for package in result['installed_by_wheel']:  # the constraints held
        name, version = package.split('==')
        assert name == 'anomseg' or pins[name] == version
    assert 'site-packages/anomseg' in result['scored']
    assert result['missing_extra'].endswith("pip install 'anomseg[onnx]' (--debug shows the "
                                            "traceback)")
