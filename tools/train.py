"""Train a segmentor from a config, like mmseg's tools/train.py.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp] [--cfg-options k=v ...]
    bash tools/dist_train.sh CONFIG N [...]   # torchrun: N processes (GPUs; gloo on CPU)

Before training, every image and label file of the training and validation sets is checked
from its header, and the work dir must be writable and outside the data: a bad input stops the
run with one line naming it (exit code 2; --debug for the traceback).
"""
import argparse

from mmengine.runner import Runner

from anomseg.apis import (add_runner_arguments, apply_runner_arguments,
                          apply_train_options, dataset_roots, load_config,
                          prepare_cpu_distributed)
from anomseg.datasets.checks import check_dataset_files
from anomseg.utils import check_output_writable, check_outside
from anomseg.utils.cli import cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', action='store_true', default=False,
                        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic-mixed-precision training')
    return add_runner_arguments(parser).parse_args(argv)


@cli('train.py')
def main(argv=None):
    args = parse_args(argv)
    apply_runner_arguments(args)
    cfg = load_config(args.config, args.cfg_options, args.launcher, args.work_dir)
    apply_train_options(cfg, amp=args.amp, resume=args.resume)
    check_outside(dataset_roots(cfg), cfg.work_dir, 'work dir')
    check_output_writable(cfg.work_dir, 'work dir')
    if not args.no_prescan:
        check_dataset_files(cfg.train_dataloader.dataset, 'training set')
        if cfg.get('val_dataloader') and cfg.get('val_cfg') is not None:
            check_dataset_files(cfg.val_dataloader.dataset, 'validation set')
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


if __name__ == '__main__':
    main()
