"""The CamVid model zoo's definitions, read from checkpoints/camvid/models.json: each model's
config, title and the model it is fine-tuned from, and the anomaly sets (folders under
$ANOMSEG_SHARED) it is tested on.

    python tools/model_zoo/zoo_models.py MODEL FIELD    # prints one field (for camvid.sh)
    python tools/model_zoo/zoo_models.py benchmarks     # prints NAME FOLDER lines
    python tools/model_zoo/zoo_models.py checkpoint RUN_DIR   # prints the picked checkpoint
"""
import glob
import json
import os.path as osp
import sys

ZOO_ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'checkpoints', 'camvid')
_ZOO = json.load(open(osp.join(ZOO_ROOT, 'models.json')))
MODELS = _ZOO['models']
BENCHMARKS = _ZOO['benchmarks']


def run_name(key):
    """A model's work-dir name: its config's file name without ``.py``."""
    return osp.splitext(osp.basename(MODELS[key]['config']))[0]


def picked_checkpoint(run_dir):
    """The checkpoint of a finished training that the zoo tests and publishes, picked on CamVid
    val only: the best-mIoU one where the schedule keeps it, else the last."""
    best = sorted(glob.glob(osp.join(run_dir, 'best_mIoU_iter_*.pth')))
    if best:
        return best[-1]
    return open(osp.join(run_dir, 'last_checkpoint')).read().strip()


if __name__ == '__main__':
    if sys.argv[1:] == ['benchmarks']:
        print('\n'.join(f'{name} {folder}' for name, folder in BENCHMARKS.items()))
    elif len(sys.argv) == 3 and sys.argv[1] == 'checkpoint':
        print(picked_checkpoint(sys.argv[2]))
    elif len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit(f'usage: zoo_models.py MODEL FIELD; MODEL one of {", ".join(MODELS)}')
    else:
        print(run_name(sys.argv[1]) if sys.argv[2] == 'name'
              else MODELS[sys.argv[1]].get(sys.argv[2], ''))
