"""Cost of outlier pasting next to one training step.

    python tools/benchmark/paste_overhead.py [CONFIG] [--bank data/ood_bank/skimage]

1. Runs the config's training pipeline on its training images with PasteOOD set to always paste
   (prob 1) and without PasteOOD, and times each variant of the paste (plain, Lab statistics,
   Fourier amplitude swap, each with the config's feathering): paste time per image is the
   difference of the medians over the same images.
2. Times one training step of the config's model (forward, backward and optimiser step, random
   weights: speed does not depend on them) on a batch of the pipeline's outputs.
3. Prints paste time per batch / step time. Data loading runs in worker processes beside the
   step, so this share is an upper bound of what pasting adds to a training iteration.
"""
import argparse
import copy
import statistics
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.optim import build_optim_wrapper
from mmseg.registry import DATASETS, MODELS
from mmseg.utils import register_all_modules

import anomseg  # noqa: F401


def pipeline_time(dataset, pipeline, repeat):
    """Median over ``repeat`` passes of the mean time per image of ``pipeline``."""
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    times = []
    for r in range(repeat + 1):
        np.random.seed(r)
        start = time.perf_counter()
        for info in infos:
            pipeline(copy.deepcopy(info))
        if r:
            times.append((time.perf_counter() - start) / len(infos))
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?',
                        default='configs/rba/'
                        'rba_mnv2_mask2former-lite_1xb4-300_synthroad-256x256.py')
    parser.add_argument('--images', type=int, default=40, help='training images timed')
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--steps', type=int, default=5)
    args = parser.parse_args(argv)
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(args.config)
    steps = cfg.train_dataloader.dataset.pipeline
    idx = next(i for i, t in enumerate(steps) if t['type'] == 'PasteOOD')
    paste = dict(steps[idx], prob=1.0)
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    ds_cfg.pipeline = []
    dataset = DATASETS.build(ds_cfg)
    dataset.data_list = dataset.data_list[:args.images]
    without = Compose(steps[:idx] + steps[idx + 1:])
    base = pipeline_time(dataset, without, args.repeat)
    print(f'{args.config}\npipeline without paste: {1000 * base:.2f} ms/image')
    variants = {'plain': dict(paste, style=None, blend_sigma=0.0),
                'lab': dict(paste, style=dict(type='lab')),
                'fourier': dict(paste, style=dict(type='fourier', beta=0.05))}
    costs = {}
    for name, p in variants.items():
        t = pipeline_time(dataset, Compose(steps[:idx] + [p] + steps[idx + 1:]), args.repeat)
        costs[name] = t - base
        print(f'  paste {name:8s}: +{1000 * costs[name]:.2f} ms/image')

    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model).train()
    optim = build_optim_wrapper(model, cfg.optim_wrapper)
    batch_size = cfg.train_dataloader.batch_size
    full = Compose(steps[:idx] + [paste] + steps[idx + 1:])
    batch = pseudo_collate([full(copy.deepcopy(dataset.get_data_info(i)))
                            for i in range(batch_size)])
    step_times = []
    for s in range(args.steps + 1):
        start = time.perf_counter()
        model.train_step(batch, optim)
        if s:
            step_times.append(time.perf_counter() - start)
    step = statistics.median(step_times)
    print(f'training step (batch {batch_size}, {torch.get_num_threads()} threads): '
          f'{1000 * step:.0f} ms')
    for name, c in costs.items():
        print(f'  paste {name:8s}: {100 * batch_size * c / step:.2f}% of a step')


if __name__ == '__main__':
    main()
