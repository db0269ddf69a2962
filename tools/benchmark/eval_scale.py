"""Time and memory of the evaluation and inference commands as the number of frames grows.

    python tools/benchmark/eval_scale.py [--frames 100 500 2000] [--dtype float32 float16] \
        [--test-frames 100 500 2000] [--video-frames 1000 10000] [--frames-dir DIR] \
        [--env NAME=VALUE ...] [--test-cfg-options KEY=VALUE ...] [--docs docs/performance.md]

As users run them, each in its own process (``process_usage.run_measured``: wall time, peak
resident memory, the peak size of its temporary folder):

- ``tools/eval_scores.py --dataset AnomalyTrack`` with its report (the default) on N synthetic
  frames of 2048x1024 per dtype, written by ``metric_speed.write_frames`` (maps, labels,
  instance labels, JPEG images in the SMIYC layout); the runs with fewer frames read the first N
  through a folder of links;
- ``tools/test.py CONFIG CKPT --benchmark AnomalyTrack --out OUT`` on the same float32 frames
  (the SynthRoad DeepLabV3+ config with random weights, scorer msp: the network sees each frame
  at 512x256 and its maps come back at 2048x1024, so the time is the command's own, not a
  network's), report on;
- ``tools/infer.py`` on a synthetic video of 256x128 frames with the same model, heatmap video
  written, for each of --video-frames.

``--env NAME=VALUE`` runs the commands with these environment variables set (e.g. glibc's
``MALLOC_MMAP_THRESHOLD_``); their rows name them. ``--test-cfg-options KEY=VALUE`` passes
``--cfg-options`` to ``tools/test.py`` (e.g. ``custom_hooks.2.interval=100000``: the config's
``TrimHeapHook`` in effect off), named in its rows. Memory should stay flat in N and time grow
linearly: the script prints seconds per frame and
peak memory per N. ``--docs FILE`` writes the table into FILE's ``eval_scale`` section, after
every row: the rows this run measures replace those of the same command, maps and number of
frames; the table's other rows stay.
"""
import argparse
import os
import os.path as osp
import shutil
import sys
import tempfile

import cv2
import numpy as np

from metric_speed import write_frames
from process_usage import read_docs_section, run_measured, write_docs_section

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs', 'deeplabv3plus',
                  'deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py')


def linked_subset(full, folder, frames):
    """``folder`` holding links to the first ``frames`` frames of ``full`` (same layout)."""
    for sub in ('images', 'labels_masks', 'scores'):
        os.makedirs(osp.join(folder, sub))
        for name in sorted(os.listdir(osp.join(full, sub))):
            stem = name.split('.')[0].split('_')[0]
            if int(stem[len('validation'):]) < frames:
                os.symlink(osp.join(full, sub, name), osp.join(folder, sub, name))
    return folder


def write_kept_frames(folder, frames, height, width, dtype):
    """At least ``frames`` frames in ``folder``, writing only those a previous run did not
    (``folder/written``: their count and size, updated after the files; frames are seeded by
    index). Returns how many the folder holds."""
    done = osp.join(folder, 'written')
    count = 0
    if osp.isfile(done):
        with open(done) as f:
            count, size = f.read().split()
        count = int(count)
        if size != f'{width}x{height}':
            shutil.rmtree(folder)
            count = 0
    if count < frames:
        write_frames(folder, frames, height, width, dtype, count)
        with open(done, 'w') as f:
            f.write(f'{frames} {width}x{height}')
    return max(count, frames)


def random_checkpoint(path):
    """The config's model with seeded random weights (speed does not depend on them)."""
    import torch
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules

    import anomseg  # noqa: F401
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta={}), path)
    return path


def write_video(path, frames, size=(256, 128)):
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, size)
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (size[1], size[0], 3), np.uint8)
    for i in range(frames):
        writer.write(np.roll(base, i, axis=1))
    writer.release()
    return path


COMMANDS = ('`eval_scores.py`', '`test.py --out`', '`infer.py`')  # the table's row order


def row_key(line):
    """((command, what, frames), line) of a table row."""
    command, what, frames = (cell.strip() for cell in line.strip('|').split('|')[:3])
    return (command, what, int(frames.replace(',', ''))), line


def row_order(key):
    command, what, frames = key
    return (COMMANDS.index(command) if command in COMMANDS else len(COMMANDS), what, frames)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--frames', type=int, nargs='+', default=[100, 500, 2000])
    parser.add_argument('--dtype', nargs='+', choices=('float32', 'float16'),
                        default=['float32', 'float16'])
    parser.add_argument('--height', type=int, default=1024)
    parser.add_argument('--width', type=int, default=2048)
    parser.add_argument('--video-frames', type=int, nargs='*', default=[1000, 10000])
    parser.add_argument('--test-frames', type=int, nargs='*', default=[100, 500, 2000],
                        help='the --frames counts tools/test.py runs on (none: leave it out)')
    parser.add_argument('--frames-dir', metavar='DIR',
                        help='keep the synthetic frames in DIR/frames-DTYPE and reuse them in the '
                             'next run (writing them takes minutes: 8 MiB a float32 frame); '
                             'default: a temporary folder')
    parser.add_argument('--env', nargs='*', default=[], metavar='NAME=VALUE',
                        help='environment variables the measured commands run with')
    parser.add_argument('--test-cfg-options', nargs='*', default=[], metavar='KEY=VALUE',
                        help="tools/test.py's --cfg-options")
    parser.add_argument('--docs', metavar='FILE')
    args = parser.parse_args(argv)
    python = sys.executable
    if any('=' not in item for item in args.env):
        parser.error(f'--env takes NAME=VALUE items, got {args.env}')
    env = dict(os.environ, **dict(item.split('=', 1) for item in args.env))
    setting = ''.join(f', {item}' for item in args.env)  # named in the rows' "what"
    # the table's rows by (command, what, frames): a run replaces the rows it measures and keeps
    # the others, so a run of some rows (e.g. --dtype float16) does not drop the rest
    rows = dict(row_key(line) for line in (read_docs_section(args.docs, 'eval_scale')
                                           if args.docs else '').splitlines()
                if line.startswith('| `'))

    def table():
        lines = ['| command | what | frames | seconds | ms per frame | peak MiB | peak temporary '
                 'MiB |', '|---|---|---|---|---|---|---|']
        return lines + [rows[key] for key in sorted(rows, key=row_order)]

    def record(command, what, frames, r):
        what += setting
        rows[(f'`{command}`', what, frames)] = (
            f'| `{command}` | {what} | {frames:,} | {r["seconds"]:.1f} | '
            f'{1000 * r["seconds"] / frames:.1f} | {r["peak_mib"]:.0f} | {r["tmp_mib"]:.0f} |')
        print(f'{command:>14s} {what:>22s} {frames:6d} frames: {r["seconds"]:8.1f} s '
              f'({1000 * r["seconds"] / frames:6.1f} ms/frame), peak {r["peak_mib"]:6.0f} MiB, '
              f'temporary {r["tmp_mib"]:6.0f} MiB', flush=True)
        if args.docs:  # after every row: an interrupted run keeps what it measured
            write_docs_section(args.docs, 'eval_scale', '\n'.join(table()))

    most = max(args.frames)
    with tempfile.TemporaryDirectory(prefix='anomseg-eval-scale-') as work:
        checkpoint = random_checkpoint(osp.join(work, 'random.pth')) \
            if args.test_frames or args.video_frames else None
        log = osp.join(work, 'log.txt')
        for dtype in args.dtype:
            full = osp.join(args.frames_dir or work, f'frames-{dtype}')
            held = write_kept_frames(full, most, args.height, args.width, dtype)
            for n in sorted(args.frames):
                root = full if n == held else linked_subset(
                    full, osp.join(work, f'{dtype}-{n}'), n)
                out = osp.join(work, 'out')
                record('eval_scores.py', f'{dtype} maps, report', n, run_measured(
                    [python, osp.join(ROOT, 'tools', 'eval_scores.py'), '--dataset',
                     'AnomalyTrack', '--data-root', root, '--scores', osp.join(root, 'scores'),
                     '--out', osp.join(out, 'r.json')], log, env))
                if dtype == 'float32' and n in args.test_frames:
                    options = ['--cfg-options', *args.test_cfg_options] \
                        if args.test_cfg_options else []
                    record('test.py --out', ', '.join(['msp, report', *args.test_cfg_options]),
                           n, run_measured(
                               [python, osp.join(ROOT, 'tools', 'test.py'), CONFIG, checkpoint,
                                '--benchmark', 'AnomalyTrack', '--benchmark-root', root,
                                '--scorer', 'msp', '--out', osp.join(out, 'maps'),
                                '--work-dir', osp.join(out, 'work'), *options], log, env))
                shutil.rmtree(out, ignore_errors=True)
            if not args.frames_dir:
                shutil.rmtree(full)
        for n in args.video_frames:
            video = write_video(osp.join(work, f'video{n}.mp4'), n)
            record('infer.py', '256x128 video, heatmaps', n, run_measured(
                [python, osp.join(ROOT, 'tools', 'infer.py'), CONFIG, checkpoint, video,
                 '--out-dir', osp.join(work, 'infer')], log, env))
            shutil.rmtree(osp.join(work, 'infer'))
            os.unlink(video)
    print('\n'.join(table()))


if __name__ == '__main__':
    main()
