"""A model zoo's definitions, read from checkpoints/ZOO/models.json (ZOO: $ANOMSEG_ZOO, default
camvid; also cityscapes, emidec): each model's config, title, the model it is fine-tuned from,
for a released model the published file it is (nothing to train); the anomaly sets (folders under
$ANOMSEG_SHARED) the zoo is tested on; ``miou_by_test`` where closed-set accuracy comes from
``tools/test.py`` on the config's test set rather than from the training log; and
``base_seed`` ``"same"`` where a fine-tuning of seed k starts from its base's seed k (else
seed 0; a model may say so for itself).

    python tools/model_zoo/zoo_models.py MODEL FIELD    # prints one field (for zoo.sh)
    python tools/model_zoo/zoo_models.py models         # prints the zoo's model names
    python tools/model_zoo/zoo_models.py benchmarks     # prints NAME FOLDER lines
    python tools/model_zoo/zoo_models.py miou_by_test   # prints "yes" or nothing
    python tools/model_zoo/zoo_models.py base_seed MODEL SEED   # prints its base's seed
    python tools/model_zoo/zoo_models.py checkpoint RUN_DIR   # prints the picked checkpoint
"""
import glob
import json
import os
import os.path as osp
import sys

ZOO = os.environ.get('ANOMSEG_ZOO', 'camvid')
ZOO_ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'checkpoints', ZOO)
if not osp.isfile(osp.join(ZOO_ROOT, 'models.json')):
    sys.exit(f'zoo_models.py: error: no zoo {ZOO!r} (checkpoints/{ZOO}/models.json); '
             f'ANOMSEG_ZOO is one of the folders of checkpoints/')
_ZOO = json.load(open(osp.join(ZOO_ROOT, 'models.json')))
MODELS = _ZOO['models']
BENCHMARKS = _ZOO['benchmarks']
MIOU_BY_TEST = _ZOO.get('miou_by_test', False)
BASE_SEED = _ZOO.get('base_seed', '')


def base_seed(key, seed):
    """The seed of the base run a fine-tuning of ``seed`` starts from: its own where the zoo or
    the model says ``"base_seed": "same"``, else 0 (``zoo.sh``'s FROM_BASE=B overrides it and
    names the run folder ``baseB-seedS``)."""
    return seed if 'same' in (BASE_SEED, MODELS[key].get('base_seed')) else 0


def run_name(key):
    """A model's work-dir name: its config's file name without ``.py``."""
    return osp.splitext(osp.basename(MODELS[key]['config']))[0]


def picked_checkpoint(run_dir):
    """The checkpoint of a finished training that the zoo tests and publishes, picked on CamVid
    val only: the best-mIoU one where the schedule keeps it, else the last (a released model's
    run folder names its published file as the last)."""
    best = sorted(glob.glob(osp.join(run_dir, 'best_mIoU_iter_*.pth')))
    if best:
        return best[-1]
    return open(osp.join(run_dir, 'last_checkpoint')).read().strip()


if __name__ == '__main__':
    if sys.argv[1:] == ['models']:
        print(' '.join(MODELS))
    elif sys.argv[1:] == ['benchmarks']:
        for name, folder in BENCHMARKS.items():
            print(f'{name} {folder}')
    elif len(sys.argv) == 4 and sys.argv[1] == 'base_seed':
        print(base_seed(sys.argv[2], int(sys.argv[3])))
    elif sys.argv[1:] == ['miou_by_test']:
        print('yes' if MIOU_BY_TEST else '')
    elif len(sys.argv) == 3 and sys.argv[1] == 'checkpoint':
        print(picked_checkpoint(sys.argv[2]))
    elif len(sys.argv) != 3 or sys.argv[1] not in MODELS:
        sys.exit(f'usage: zoo_models.py MODEL FIELD; MODEL one of {", ".join(MODELS)}')
    else:
        print(run_name(sys.argv[1]) if sys.argv[2] == 'name'
              else MODELS[sys.argv[1]].get(sys.argv[2], ''))
