"""onnxruntime (float32 and int8) against PyTorch on the same model, frames and machine.

    python tools/benchmark/onnx_speed.py [CONFIG CHECKPOINT | MODEL_NAME] [--shape 720 1280] \
        [--repeat 5] [--int8 CALIBRATION] [--profile] [--folder DIR [--frames 10]] \
        [--anomaly-set NAME=DIR ...] [--docs FILE]

Exports the model (random weights without a checkpoint: speed does not depend on them) for
--shape, then times one frame through ``AnomalyInferencer`` (PyTorch as ``tools/infer.py`` runs
it on CPU), through onnxruntime with its default session and with the session
``OnnxInferencer`` builds (``session_options``), and, with ``--int8 CALIBRATION`` (inlier
frames: a folder, glob or video), through the model ``quantize_onnx`` makes from 32 of them.
Each produces the class prediction and every configured anomaly map at input size; the script
prints the medians, the frame-rate ratios to PyTorch and the largest difference of the maps.
``--profile`` prints each onnxruntime model's time by operator type.
``--folder DIR`` also times ``run`` (what ``tools/infer.py`` runs: reading, inference, heatmap
panels, PNG writing) on its first --frames JPEG frames, with each backend.
``--anomaly-set NAME=DIR`` (a benchmark whose frames have the --shape size, e.g.
RoadAnomaly=../shared/data/RoadAnomaly_jpg) also evaluates every scorer of the float32 and the
int8 model there (``AnomalyMetric``: AP, FPR95), to show what int8 costs. ``--docs FILE``
writes the tables into FILE's ``onnx_speed-LABEL`` section (``--label``, default the model).
"""
import argparse
import glob
import os
import os.path as osp
import sys
import tempfile
import time

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from mmseg.utils import register_all_modules

import anomseg  # noqa: F401
from anomseg.apis import AnomalyInferencer, OnnxInferencer, export_onnx, open_frames
from anomseg.apis.model_index import add_model_arguments, resolve_model_arguments
from anomseg.apis.onnx_model import quantize_onnx
from anomseg.datasets.benchmarks import benchmark_frames, build_benchmark
from anomseg.evaluation.metrics import AnomalyMetric
from anomseg.utils.timing import median_time

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from process_usage import write_docs_section  # noqa: E402

DEFAULT_CONFIG = 'configs/mask2former/mask2former-lite_mnv2_1xb4-1k_synthroad-256x256.py'


def evaluate_onnx(model, benchmark, root):
    """AP and FPR95 of every scorer of an ONNX model on a benchmark's frames."""
    dataset, _ = build_benchmark(benchmark, root)
    metric = AnomalyMetric()
    for i, (_, image, labels) in enumerate(benchmark_frames(dataset)):
        metric.add(str(i), labels, model([image])[0]['scores'])
    values = metric.evaluate()
    return {s: (values[f'{s}/AP'], values[f'{s}/FPR95']) for s in model.scorers}


def profile_ops(path, frame, runs=2, top=8):
    """(operator, ms per frame) of the ``top`` costliest operator types of an ONNX model."""
    import json
    from collections import Counter

    import onnxruntime as ort
    options = ort.SessionOptions()
    options.enable_profiling = True
    options.profile_file_prefix = osp.join(tempfile.gettempdir(), 'anomseg-onnx-profile')
    session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
    feed = dict(image=np.ascontiguousarray(frame.transpose(2, 0, 1)[None]))
    for _ in range(runs):
        session.run(None, feed)
    trace = session.end_profiling()
    with open(trace) as fh:
        events = json.load(fh)
    os.unlink(trace)
    total = Counter()
    for event in events:
        if event.get('cat') == 'Node' and event['name'].endswith('_kernel_time'):
            total[event['args']['op_name']] += event['dur']
    return [(op, us / 1000 / runs) for op, us in total.most_common(top)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_model_arguments(parser)
    parser.add_argument('--shape', type=int, nargs=2, default=(720, 1280))
    parser.add_argument('--repeat', type=int, default=5)
    parser.add_argument('--int8', metavar='CALIBRATION', help='inlier frames to calibrate on')
    parser.add_argument('--anomaly-set', nargs='*', default=[], metavar='NAME=DIR')
    parser.add_argument('--profile', action='store_true', help='time per operator type')
    parser.add_argument('--folder', help='JPEG frames of --shape for the end-to-end runs')
    parser.add_argument('--frames', type=int, default=10)
    parser.add_argument('--label', help='the model\'s name in the tables')
    parser.add_argument('--docs', metavar='FILE')
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0].startswith('-'):
        argv = [DEFAULT_CONFIG] + argv
    args = parser.parse_args(argv)
    label = args.label or osp.splitext(osp.basename(args.config))[0]
    if args.checkpoint or not args.config.endswith('.py'):  # a config alone: random weights
        resolve_model_arguments(args)
    register_all_modules(init_default_scope=True)
    lines = []

    def say(text=''):
        print(text, flush=True)
        lines.append(text)

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
        fp32_path = osp.join(work, 'model.onnx')
        export_onnx(args.config, checkpoint, fp32_path, args.shape)
        exported = time.perf_counter() - start
        import onnxruntime as ort
        models = {'onnxruntime, default session': OnnxInferencer(fp32_path),
                  'onnxruntime, tuned session': OnnxInferencer(fp32_path)}
        models['onnxruntime, default session'].session = ort.InferenceSession(
            fp32_path, providers=['CPUExecutionProvider'])
        if args.int8:
            source = open_frames(args.int8)
            step = max(1, source.count // 32)
            calib = [image for k, (_, image) in enumerate(source.frames()) if k % step == 0]
            quantize_onnx(fp32_path, osp.join(work, 'int8.onnx'), calib[:32])
            models['onnxruntime int8, tuned session'] = OnnxInferencer(
                osp.join(work, 'int8.onnx'))
        torch_model = AnomalyInferencer(args.config, checkpoint)
        height, width = args.shape
        for step in torch_model.pipeline.transforms:  # the network at --shape, as exported
            if type(step).__name__ == 'Resize':
                step.scale, step.scale_factor = (width, height), None
        frame = np.random.default_rng(0).integers(0, 256, (height, width, 3), np.uint8)
        times = {'PyTorch (tools/infer.py)': median_time(lambda: torch_model([frame]),
                                                         args.repeat)}
        for name, model in models.items():
            times[name] = median_time(lambda: model([frame]), args.repeat)
        # agreement on a real frame where one is given (a random one flips classes easily)
        real = sorted(glob.glob(osp.join(args.folder, '*.jpg')))[:1] if args.folder else []
        check = cv2.imread(real[0]) if real else frame
        check = check if check.shape == frame.shape else frame
        reference = torch_model([check])[0]
        say(f'{label}: {width}x{height}, scorers {", ".join(torch_model.scorers)}; torch '
            f'{torch.__version__} ({torch.get_num_threads()} threads), onnxruntime '
            f'{ort.__version__}; export {exported:.0f} s')
        say()
        say(f'Map difference and class agreement against PyTorch on '
            f'{osp.basename(real[0]) if check is not frame else "a random frame"}.')
        say()
        say('| backend | s/frame | frame rate / PyTorch | largest map difference | class '
            'agreement |')
        say('|---|---|---|---|---|')
        base = times['PyTorch (tools/infer.py)']
        for name, seconds in times.items():
            if name in models:
                out = models[name]([check])[0]
                diff = max(float(np.abs(reference['scores'][k] - out['scores'][k]).max())
                           for k in out['scores'])
                agree = float(np.mean(reference['sem_seg'] == out['sem_seg']))
                extra = f'{diff:.2e} | {100 * agree:.2f}%'
            else:
                extra = '- | -'
            say(f'| {name} | {seconds:.3f} | {base / seconds:.2f} | {extra} |')
        if args.profile:
            for name, model in models.items():
                say()
                say(f'{name}: milliseconds per frame by operator (onnxruntime profiler): ' +
                    ', '.join(f'{op} {ms:.0f}' for op, ms in profile_ops(model.path, frame)))
        if args.folder:
            say()
            say(f'End to end, `run` as tools/infer.py runs it on the first {args.frames} frames of '
                f'{args.folder} (reading, inference, heatmap panels beside the class prediction, '
                'PNG writing):')
            say()
            say('| backend | s/frame | frames/s |')
            say('|---|---|---|')
            inputs = osp.join(work, 'frames')
            os.makedirs(inputs)
            for path in sorted(glob.glob(osp.join(args.folder, '*.jpg')))[:args.frames]:
                os.symlink(osp.abspath(path), osp.join(inputs, osp.basename(path)))
            runners = {'PyTorch (tools/infer.py)': torch_model}
            runners.update((k, models[k]) for k in models if 'default' not in k)
            for name, runner in runners.items():
                runner.run(inputs, osp.join(work, 'warm'), progress=False)
                summary = runner.run(inputs, osp.join(work, 'out'), progress=False)
                say(f'| {name} | {summary["seconds"] / summary["frames"]:.3f} | '
                    f'{summary["fps"]:.2f} |')
        if args.anomaly_set and args.int8:
            say()
            say('| set | scorer | float32 AP / FPR95 | int8 AP / FPR95 | AP change |')
            say('|---|---|---|---|---|')
            for item in args.anomaly_set:
                benchmark, root = item.split('=', 1)
                fp32 = evaluate_onnx(models['onnxruntime, tuned session'], benchmark, root)
                int8 = evaluate_onnx(models['onnxruntime int8, tuned session'], benchmark, root)
                for scorer in fp32:
                    (a, f), (b, g) = fp32[scorer], int8[scorer]
                    say(f'| {benchmark} | {scorer} | {100 * a:.2f} / {100 * f:.2f} | '
                        f'{100 * b:.2f} / {100 * g:.2f} | {100 * (b - a):+.2f} |')
    if args.docs:
        write_docs_section(args.docs, f'onnx_speed-{label}', '\n'.join(lines))


if __name__ == '__main__':
    main()
