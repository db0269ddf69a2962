"""GPU check: full-size Cityscapes models on a CUDA device, written to one JSON file.

    bash tools/gpu_check.sh run [--wheels DIR] --out gpu.json  # adds what is missing, runs this
    python tools/benchmark/gpu_check.py --out gpu.json        # in an environment that has anomseg's
                                                              # dependencies
    python tools/benchmark/gpu_check.py --device cpu --tiny --out tiny.json   # CPU smoke run

Measures, with random weights (speed and agreement do not depend on them):

1. ``inference``: Mask2Former Swin-L Cityscapes (``--infer-config``) at ``--infer-shape``
   (1024x2048) with every scorer that applies to a mask head, through ``test_step``
   (normalisation, padding, forward, scorers, resizing), in fp32 and with autocast (float16 on
   CUDA, bfloat16 on CPU): frames/s and peak device memory.
2. ``training``: ``--train-iters`` iterations of the RbA Cityscapes fine-tuning config
   (``--train-config``) at its crop and per-GPU batch, on random images whose labels carry
   pasted outliers (254), through ``train_step`` with the config's optimiser: median s/iter
   after two warm-up iterations, and peak memory.
3. ``agreement``: the anomaly maps of ``--compare-frames`` frames at ``--compare-shape`` on the
   device and on the CPU with the same weights: max abs difference per scorer, also relative to
   the map's range.

Every run also records the environment (torch, CUDA, device name, whether mmcv's ops are
compiled or anomseg's pure-PyTorch stand-in). ``--tiny`` shrinks every size so that the whole
check runs on a CPU in a minute (the test suite runs it so that it does not rot).
"""
import argparse
import os.path as osp
import platform
import statistics
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import torch  # noqa: E402

import anomseg  # noqa: E402,F401  (registers the mmcv stand-in before mmseg imports mmcv.ops)
from mmengine.config import Config  # noqa: E402
from mmengine.model.utils import revert_sync_batchnorm  # noqa: E402
from mmengine.optim import build_optim_wrapper  # noqa: E402
from mmengine.structures import PixelData  # noqa: E402
from mmseg.registry import MODELS  # noqa: E402
from mmseg.structures import SegDataSample  # noqa: E402
from mmseg.utils import register_all_modules  # noqa: E402

from anomseg.ops import mmcv_ext  # noqa: E402
from anomseg.utils import write_json_atomic  # noqa: E402
from anomseg.version import __version__  # noqa: E402

INFER_CONFIG = ('configs/mask2former/'
                'mask2former_swin-l-in22k-384x384-pre_8xb2-90k_cityscapes-512x1024.py')
TRAIN_CONFIG = ('configs/rba/rba_swin-b-in22k-384x384-pre_mask2former-1dec_8xb2-2k_'
                'cityscapes-512x1024.py')
# uno needs a head trained with a negative class: the Cityscapes configs have none.
MASK_SCORERS = ['rba', 'msp', 'max_logit', 'entropy', 'energy', 'mask2anomaly', 'eam',
                'maxquery']


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--out', required=True, help='the JSON file to write')
    p.add_argument('--device', default='cuda', help='cuda (default), cuda:N or cpu')
    p.add_argument('--infer-config', default=INFER_CONFIG)
    p.add_argument('--train-config', default=TRAIN_CONFIG)
    p.add_argument('--infer-shape', type=int, nargs=2, default=(1024, 2048))
    p.add_argument('--frames', type=int, default=10, help='timed inference frames (after one '
                   'warm-up)')
    p.add_argument('--train-shape', type=int, nargs=2, default=None,
                   help='training crop (default: the config\'s crop_size)')
    p.add_argument('--train-batch', type=int, default=None,
                   help='images per step (default: the config\'s per-GPU batch size)')
    p.add_argument('--train-iters', type=int, default=20)
    p.add_argument('--compare-shape', type=int, nargs=2, default=(512, 1024))
    p.add_argument('--compare-frames', type=int, default=5)
    p.add_argument('--skip', nargs='*', default=[], choices=['inference', 'training',
                                                             'agreement'])
    p.add_argument('--tiny', action='store_true',
                   help='tiny sizes for a CPU smoke run: 64x128 frames, 2 training iterations')
    args = p.parse_args(argv)
    if args.tiny:
        args.infer_shape, args.compare_shape = (64, 128), (64, 128)
        args.train_shape = args.train_shape or (64, 128)
        args.frames, args.train_iters, args.compare_frames = 1, 3, 2
    return args


def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def reset_peak(device):
    if device.type == 'cuda':
        torch.cuda.reset_peak_memory_stats(device)


def peak_mib(device):
    """Peak memory the device's allocator handed out (CUDA); None on the CPU."""
    if device.type == 'cuda':
        return torch.cuda.max_memory_allocated(device) / 2**20
    return None


def autocast(device, enabled):
    dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    return torch.autocast(device.type, dtype=dtype, enabled=enabled)


def load_config(path):
    cfg = Config.fromfile(osp.join(REPO, path) if not osp.isabs(path) else path)
    cfg.model.backbone.init_cfg = None
    return cfg


def build_model(cfg, scorers=None):
    if scorers is not None:
        cfg.model.test_cfg.scorer = scorers
    torch.manual_seed(0)
    return cfg, revert_sync_batchnorm(MODELS.build(cfg.model))


def test_batch(shape, seed):
    h, w = shape
    g = torch.Generator().manual_seed(seed)
    sample = SegDataSample(metainfo=dict(ori_shape=(h, w), img_shape=(h, w)))
    return dict(inputs=[torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g)],
                data_samples=[sample])


def anomaly_maps(model, data):
    out = model.test_step(data)[0].pred_anomaly
    return {name: getattr(out, name).data.float().cpu() for name in out.scorers}


def measure_inference(args, device):
    _, model = build_model(load_config(args.infer_config), MASK_SCORERS)
    model = model.to(device).eval()
    result = dict(config=args.infer_config, shape=list(args.infer_shape), scorers=MASK_SCORERS,
                  frames=args.frames)
    for precision, amp in (('fp32', False), ('amp', True)):
        with torch.no_grad(), autocast(device, amp):
            model.test_step(test_batch(args.infer_shape, 0))  # warm-up (kernels, allocator)
            sync(device)
            reset_peak(device)
            times = []
            for i in range(args.frames):
                data = test_batch(args.infer_shape, i + 1)
                start = time.perf_counter()
                model.test_step(data)
                sync(device)
                times.append(time.perf_counter() - start)
        result[precision] = dict(frames_per_s=len(times) / sum(times),
                                 median_s_per_frame=statistics.median(times),
                                 peak_mib=peak_mib(device))
        print(f'inference {precision}: {result[precision]}', flush=True)
    return result


def train_batch(shape, n, num_classes, seed):
    h, w = shape
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(n):
        label = torch.randint(0, num_classes, (1, h, w), generator=g)
        label[:, :h // 8] = 255
        y, x = h // 3 + i, w // 3 + i
        label[:, y:y + h // 4, x:x + w // 5] = 254  # a pasted outlier, as PasteOOD marks it
        s = SegDataSample(gt_sem_seg=PixelData(data=label))
        s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
        inputs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def measure_training(args, device):
    cfg = load_config(args.train_config)
    shape = tuple(args.train_shape or cfg.crop_size)
    cfg.model.data_preprocessor.size = shape  # training pads every batch to this size
    cfg, model = build_model(cfg)
    model = model.to(device).train()
    batch = args.train_batch or cfg.train_dataloader.batch_size
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    num_classes = cfg.model.decode_head.num_classes
    warmup = min(2, args.train_iters - 1)
    times, losses = [], []
    for it in range(args.train_iters):
        if it == warmup:
            sync(device)
            reset_peak(device)
        data = train_batch(shape, batch, num_classes, it)
        start = time.perf_counter()
        log = model.train_step(data, optim_wrapper)
        sync(device)
        if it >= warmup:
            times.append(time.perf_counter() - start)
        losses.append(float(log['loss']))
    result = dict(config=args.train_config, crop=list(shape), batch=batch,
                  iters=args.train_iters, timed_iters=len(times),
                  median_s_per_iter=statistics.median(times), peak_mib=peak_mib(device),
                  first_loss=losses[0], last_loss=losses[-1],
                  trainable=sum(p.numel() for p in model.parameters() if p.requires_grad))
    print(f'training: {result}', flush=True)
    return result


def measure_agreement(args, device):
    _, model = build_model(load_config(args.infer_config), MASK_SCORERS)
    model = model.eval()
    cpu_maps = []
    with torch.no_grad():
        for i in range(args.compare_frames):
            cpu_maps.append(anomaly_maps(model, test_batch(args.compare_shape, 100 + i)))
        model = model.to(device)
        worst = {name: dict(max_abs_diff=0.0, max_rel_diff=0.0) for name in MASK_SCORERS}
        for i, ref in enumerate(cpu_maps):
            got = anomaly_maps(model, test_batch(args.compare_shape, 100 + i))
            for name in MASK_SCORERS:
                diff = float((got[name] - ref[name]).abs().max())
                span = float(ref[name].max() - ref[name].min()) or 1.0
                w = worst[name]
                w['max_abs_diff'] = max(w['max_abs_diff'], diff)
                w['max_rel_diff'] = max(w['max_rel_diff'], diff / span)
    result = dict(shape=list(args.compare_shape), frames=args.compare_frames, per_scorer=worst)
    print(f'agreement ({device} vs cpu): {worst}', flush=True)
    return result


def environment(device):
    env = dict(anomseg=__version__, python=platform.python_version(), torch=torch.__version__,
               cuda=torch.version.cuda, device=str(device),
               mmcv_ops='anomseg pure-PyTorch stand-in' if mmcv_ext.in_use() else 'compiled',
               cpu_threads=torch.get_num_threads())
    if device.type == 'cuda':
        props = torch.cuda.get_device_properties(device)
        env.update(device_name=props.name, device_mib=props.total_memory / 2**20)
    return env


def main(argv=None):
    args = parse_args(argv)
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise SystemExit('gpu_check: no CUDA device is visible to torch '
                         f'{torch.__version__}; run with --device cpu --tiny for the smoke run')
    register_all_modules(init_default_scope=True)
    report = dict(environment=environment(device), tiny=args.tiny)
    steps = dict(inference=measure_inference, training=measure_training,
                 agreement=measure_agreement)
    for name, step in steps.items():
        if name not in args.skip:
            report[name] = step(args, device)
            write_json_atomic(args.out, report)  # what was measured survives a later failure
    write_json_atomic(args.out, report)
    print(f'gpu check: {args.out}')
    return report


if __name__ == '__main__':
    main()
