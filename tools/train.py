"""Train a segmentor from a config, like mmseg's tools/train.py.

    python tools/train.py CONFIG [--work-dir DIR] [--resume] [--amp] [--cfg-options k=v ...]
    bash tools/dist_train.sh CONFIG N [...]   # torchrun: N processes (GPUs; gloo on CPU)
"""
import argparse

from mmengine.runner import Runner

from anomseg.apis import (add_runner_arguments, apply_runner_arguments, apply_train_options,
                          load_config, prepare_cpu_distributed)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument('--resume', action='store_true', default=False,
                        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument('--amp', action='store_true', default=False,
                        help='enable automatic-mixed-precision training')
    return add_runner_arguments(parser).parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    apply_runner_arguments(args)
    cfg = load_config(args.config, args.cfg_options, args.launcher, args.work_dir)
    apply_train_options(cfg, amp=args.amp, resume=args.resume)
    prepare_cpu_distributed(cfg)
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


if __name__ == '__main__':
    main()
