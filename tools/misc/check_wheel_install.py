"""Install anomseg's wheel into a fresh virtual environment that holds the pinned OpenMMLab stack,
as a user of mmsegmentation adds a plugin, and check what a user then does.

    python tools/misc/check_wheel_install.py [--work DIR] [--json OUT.json]

Steps, each timed:
1. ``pip wheel`` builds the wheel from this checkout (no dependencies);
2. ``python -m venv`` and ``pip install -c requirements/constraints.txt`` of the stack a user
   already has: torch, mmcv-lite, mmengine, mmsegmentation, mmdet;
3. ``pip install -c requirements/constraints.txt WHEEL``, no extras: the packages pip adds are
   recorded (``pip --report``), and none of the stack's may be replaced;
4. in that environment, from a folder outside the checkout: ``import anomseg`` changes no other
   library's loaders, a model is built from a config of this checkout and scores one frame;
5. the ONNX export, whose extra is not installed, stops with one line naming ``anomseg[onnx]``.

Exit status 1 and the failing step's output where a step fails; the JSON has the timings and the
packages installed.
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONSTRAINTS = osp.join(REPO, 'requirements', 'constraints.txt')
STACK = ('torch', 'mmcv-lite', 'mmengine', 'mmsegmentation', 'mmdet', 'setuptools')
CONFIG = osp.join(REPO, 'configs', 'deeplabv3plus',
                  'deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py')
SMOKE = r'''
import sys
import mmengine.runner.checkpoint as ck
loaders = dict(ck.CheckpointLoader._schemes)
import anomseg
assert dict(ck.CheckpointLoader._schemes) == loaders, 'import anomseg changed the loaders'
assert anomseg.__file__.startswith(sys.prefix), anomseg.__file__
import numpy as np, torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from anomseg.apis import AnomalyInferencer
config, checkpoint = sys.argv[1], sys.argv[2]
cfg = Config.fromfile(config)
cfg.model.backbone.init_cfg = None
init_default_scope('mmseg')
torch.manual_seed(0)
torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), checkpoint)
inferencer = AnomalyInferencer(config, checkpoint,
                               cfg_options={'model.backbone.init_cfg': None})
frame = np.random.default_rng(0).integers(0, 256, (64, 96, 3), dtype=np.uint8)
maps = inferencer([frame])[0]['scores']
assert maps and all(m.shape == (64, 96) and m.dtype == np.float32 for m in maps.values())
print('scored', sorted(maps), 'from', anomseg.__file__)
'''


def run(cmd, **kwargs):
    """(seconds, completed process); a failure stops the check with its output."""
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    return time.monotonic() - start, proc


def check(proc, step):
    if proc.returncode != 0:
        sys.exit(f'check_wheel_install.py: {step} failed ({proc.returncode}):\n'
                 f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--work', help='folder for the wheel and the environment (default: a '
                        'temporary one)')
    parser.add_argument('--json', help='write the timings and the packages installed here')
    args = parser.parse_args(argv)
    work = args.work or tempfile.mkdtemp(prefix='anomseg-wheel-')
    os.makedirs(work, exist_ok=True)
    times = {}
    times['build wheel'], proc = run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                                      '--no-build-isolation', '-w', osp.join(work, 'dist'), REPO])
    check(proc, 'pip wheel')
    wheel = next(osp.join(work, 'dist', f) for f in os.listdir(osp.join(work, 'dist'))
                 if f.startswith('anomseg-') and f.endswith('.whl'))
    venv = osp.join(work, 'venv')
    times['venv'], proc = run([sys.executable, '-m', 'venv', venv])
    check(proc, 'venv')
    pip = [osp.join(venv, 'bin', 'python'), '-m', 'pip', 'install', '-q', '-c', CONSTRAINTS]
    times['pinned stack'], proc = run(pip + list(STACK))
    check(proc, 'installing the stack')
    report = osp.join(work, 'report.json')
    times['wheel'], proc = run(pip + ['--report', report, wheel])
    check(proc, 'installing the wheel')
    installed = sorted(f'{p["metadata"]["name"]}=={p["metadata"]["version"]}'
                       for p in json.load(open(report))['install'])
    replaced = [p for p in installed if p.split('==')[0].lower() in STACK]
    if replaced:
        sys.exit(f'check_wheel_install.py: installing the wheel replaced {replaced}')
    python = osp.join(venv, 'bin', 'python')
    smoke_dir = osp.join(work, 'elsewhere')
    os.makedirs(smoke_dir, exist_ok=True)
    times['import and score a frame'], proc = run(
        [python, '-c', SMOKE, CONFIG, osp.join(smoke_dir, 'random.pth')], cwd=smoke_dir)
    check(proc, 'import anomseg and score one frame')
    scored = proc.stdout.strip().splitlines()[-1]
    _, proc = run([python, osp.join(REPO, 'tools', 'deployment', 'export_onnx.py'), CONFIG,
                   osp.join(smoke_dir, 'random.pth'), '--shape', '64', '96',
                   '--out', osp.join(smoke_dir, 'model.onnx')], cwd=smoke_dir)
    lines = proc.stderr.strip().splitlines()
    if proc.returncode != 2 or len(lines) != 1 or "anomseg[onnx]" not in lines[0]:
        sys.exit('check_wheel_install.py: the export without the [onnx] extra did not stop with '
                 f'one line naming it (exit {proc.returncode}):\n{proc.stderr[-3000:]}')
    result = dict(times_s={k: round(v, 1) for k, v in times.items()},
                  wheel=osp.basename(wheel), installed_by_wheel=installed, scored=scored,
                  missing_extra=lines[0])
    if args.json:
        from anomseg.utils import write_json_atomic
        write_json_atomic(args.json, result)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())
