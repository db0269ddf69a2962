"""onnxruntime against PyTorch on the same model, frames and machine.

    python tools/benchmark/onnx_speed.py [CONFIG [CHECKPOINT]] [--shape 720 1280] [--repeat 5]

Exports the model (random weights without CHECKPOINT: speed does not depend on them) for
--shape, then times one frame through ``AnomalyInferencer`` (PyTorch as ``tools/infer.py`` runs
it on CPU) and through ``OnnxInferencer`` (onnxruntime's CPU provider, its default threads),
each producing the class prediction and every configured anomaly map at input size, and prints
the medians and the ratio. It also prints the largest difference of the two backends' maps.
"""
import argparse
import os.path as osp
import tempfile
import time

import numpy as np
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

import anomseg  # noqa: F401
from anomseg.apis import AnomalyInferencer
from anomseg.apis import OnnxInferencer, export_onnx
from anomseg.utils.timing import median_time


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?',
                        default='configs/mask2former/'
                        'mask2former-lite_mnv2_1xb4-1k_synthroad-256x256.py')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--shape', type=int, nargs=2, default=(720, 1280))
    parser.add_argument('--repeat', type=int, default=5)
    args = parser.parse_args(argv)
    register_all_modules(init_default_scope=True)
    with tempfile.TemporaryDirectory(prefix='anomseg-onnx-speed-') as work:
        checkpoint = args.checkpoint
        if checkpoint is None:
            cfg = Config.fromfile(args.config)
            cfg.model.backbone.init_cfg = None
            torch.manual_seed(0)
            checkpoint = osp.join(work, 'random.pth')
            torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta={}),
                       checkpoint)
        start = time.perf_counter()
        export_onnx(args.config, checkpoint, osp.join(work, 'model.onnx'), args.shape)
        exported = time.perf_counter() - start
        onnx_model = OnnxInferencer(osp.join(work, 'model.onnx'))
        torch_model = AnomalyInferencer(args.config, checkpoint)
        height, width = args.shape
        for step in torch_model.pipeline.transforms:  # the network at --shape, as exported
            if type(step).__name__ == 'Resize':
                step.scale, step.scale_factor = (width, height), None
        frame = np.random.default_rng(0).integers(0, 256, (height, width, 3), np.uint8)
        t_torch = median_time(lambda: torch_model([frame]), args.repeat)
        t_onnx = median_time(lambda: onnx_model([frame]), args.repeat)
        a, b = torch_model([frame])[0], onnx_model([frame])[0]
    diff = max(float(np.abs(a['scores'][k] - b['scores'][k]).max()) for k in a['scores'])
    agree = float(np.mean(a['sem_seg'] == b['sem_seg']))
    print(f'{args.config}\n{width}x{height}, scorers {", ".join(onnx_model.scorers)}; '
          f'torch {torch.__version__} ({torch.get_num_threads()} threads); export {exported:.0f} s')
    print(f'pytorch      {t_torch:.3f} s/frame\nonnxruntime  {t_onnx:.3f} s/frame\n'
          f'onnxruntime / pytorch = {t_onnx / t_torch:.2f}')
    print(f'largest map difference {diff:.2e}, class agreement {100 * agree:.3f}%')


if __name__ == '__main__':
    main()
