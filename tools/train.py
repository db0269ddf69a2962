"""Train a segmentor from a config, like mmseg's tools/train.py.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp] [--cfg-options k=v ...]
    bash tools/dist_train.sh CONFIG GPUS [...]        # torchrun, one process per GPU
"""
import argparse
import os

from mmengine.config import DictAction
from mmengine.runner import Runner


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', action='store_true', default=False,
                        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic-mixed-precision training')
    parser.add_argument('--trust-checkpoint', action='store_true',
                        help='unpickle load_from/resume checkpoints in full (only for files '
                        'whose origin you trust; see anomseg.utils.checkpoint)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override settings of the config, key=value (mmengine syntax)')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                        default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.trust_checkpoint:
        os.environ['ANOMSEG_TRUST_CHECKPOINTS'] = '1'
    from anomseg.apis import apply_train_options, load_config
    cfg = load_config(args.config, args.cfg_options, args.launcher, args.work_dir)
    apply_train_options(cfg, amp=args.amp, resume=args.resume)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


if __name__ == '__main__':
    main()
