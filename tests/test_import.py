"""Importing anomseg registers modules and changes no other library; ``anomseg.runtime`` is the
explicit opt-in that configs use."""
import json
import subprocess
import sys

from tests.conftest import REPO

# six adds its own finder to sys.meta_path when first imported (by a dependency of the stack),
# so the fresh interpreter imports it before the first snapshot
STATE = '''
import json, sys
import six
import matplotlib
matplotlib.use("svg")
from mmengine.fileio.backends.registry_utils import backends, prefix_to_backends
from mmengine.runner import CheckpointLoader
def state():
    return dict(loader=CheckpointLoader._schemes[""].__module__ + "." +
                CheckpointLoader._schemes[""].__qualname__,
                backends=sorted((k, v.__module__ + "." + v.__qualname__)
                                for k, v in backends.items()),
                prefixes=sorted(prefix_to_backends),
                matplotlib=matplotlib.get_backend(),
                meta_path=[repr(f) for f in sys.meta_path])
before = state()
import {module}
after = state()
from mmseg.registry import MODELS
print(json.dumps(dict(before=before, after=after, registered="AnomalyEncoderDecoder" in MODELS)))
'''


def import_in_fresh_interpreter(module):
    proc = subprocess.run([sys.executable, '-c', STATE.replace('{module}', module)], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_import_anomseg_registers_modules_and_changes_no_other_library():
    out = import_in_fresh_interpreter('anomseg')
    assert out['registered']
    assert out['after'] == out['before']     # loaders, backends, matplotlib, sys.meta_path
    assert out['after']['matplotlib'] == 'svg'      # what the process chose stays


def test_anomseg_runtime_applies_the_loader_and_the_backend():
    out = import_in_fresh_interpreter('anomseg.runtime')
    before, after = out['before'], out['after']
    assert after['loader'] == 'anomseg.utils.checkpoint.load_checkpoint_file' != before['loader']
    added = sorted(set(map(tuple, after['backends'])) - set(map(tuple, before['backends'])))
    assert added == [('atomic_local', 'anomseg.utils.atomic_backend.AtomicLocalBackend')]
    assert after['meta_path'] == before['meta_path'] and after['matplotlib'] == 'svg'
