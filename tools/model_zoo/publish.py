"""Publish a model zoo's checkpoints of one seed into checkpoints/ZOO/ (ZOO: $ANOMSEG_ZOO, camvid
by default, or cityscapes).

    ANOMSEG_ZOO=camvid python tools/model_zoo/publish.py [--zoo-dir work_dirs/zoo] [--seed 0] \
        [--out checkpoints/camvid] [MODEL ...]

A released model's file is published as it is (checkpoints/cityscapes/erfnet.pth). Each trained
model's CamVid-val pick (as ``zoo.sh`` tests it) is written as OUT/MODEL.pth: weights
only, in float16. A fine-tuned model is written as a delta of its base model's published file
(only the tensors the fine-tuning changed; ``anomseg.utils.compact_checkpoint``), which every tool
expands on load. OUT/SHA256SUMS gets one line per file (``sha256sum -c SHA256SUMS`` checks them). A model that
models.json marks ``"published": false`` is left out (the zoo then publishes only its best
models); the base of a published fine-tuning must be published too. Naming MODELs publishes
only those (their bases' run folders may hold just the published base file as
``last_checkpoint``) and keeps the other files' lines of SHA256SUMS.
"""
import argparse
import io
import os.path as osp
import sys

import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from zoo_models import MODELS, ZOO, picked_checkpoint, run_name  # noqa: E402

from anomseg.utils import (compact_checkpoint, file_sha256, load_checkpoint_file,  # noqa: E402
                           write_bytes_atomic)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--zoo-dir',
                        default='work_dirs/zoo' if ZOO == 'camvid' else f'work_dirs/zoo_{ZOO}')
    parser.add_argument('--seed', default='0')
    parser.add_argument('--out', default=f'checkpoints/{ZOO}')
    parser.add_argument('models', nargs='*', help='publish only these (default: every model)')
    args = parser.parse_args(argv)
    unknown = [key for key in args.models if key not in MODELS]
    if unknown:
        sys.exit(f'publish.py: error: no model {", ".join(unknown)} in checkpoints/{ZOO}/'
                 f'models.json')
    wanted = [key for key in MODELS if MODELS[key].get('published', True)]
    unpublished_bases = [f'{key} (base {MODELS[key]["base"]})' for key in wanted
                         if MODELS[key].get('base') and MODELS[key]['base'] not in wanted]
    if unpublished_bases:
        sys.exit(f'publish.py: error: fine-tunings whose base is not published: '
                 f'{", ".join(unpublished_bases)}')
    sources = {key: osp.join(args.zoo_dir, run_name(key), f'seed{args.seed}') for key in wanted}
    chosen = args.models or wanted
    needed = set(chosen) | {MODELS[k]['base'] for k in chosen if MODELS[k].get('base')}
    missing = [sources[k] for k in needed if not osp.isfile(osp.join(sources[k], 'trained'))]
    if missing:
        sys.exit(f'publish.py: error: unfinished or missing runs: {", ".join(missing)}')
    order = sorted(chosen, key=lambda k: 'base' in MODELS[k])  # bases first
    sums_file = osp.join(args.out, 'SHA256SUMS')
    sums = {}
    if args.models and osp.isfile(sums_file):
        sums = dict(reversed(line.split('  ')) for line in open(sums_file).read().splitlines())
    for key in order:
        if MODELS[key].get('checkpoint'):  # released weights, already published
            sums[osp.basename(MODELS[key]['checkpoint'])] = file_sha256(MODELS[key]['checkpoint'])
            continue
        checkpoint = load_checkpoint_file(picked_checkpoint(sources[key]))
        base = MODELS[key].get('base')
        out = osp.join(args.out, f'{key}.pth')
        if base:
            base_state = load_checkpoint_file(picked_checkpoint(sources[base]))
            compact = compact_checkpoint(checkpoint, base_state,
                                         osp.join(args.out, f'{base}.pth'))
        else:
            compact = compact_checkpoint(checkpoint)
        buf = io.BytesIO()
        torch.save(compact, buf)
        write_bytes_atomic(out, buf.getvalue())
        sums[osp.basename(out)] = file_sha256(out)
        print(f'{out}: {len(compact["state_dict"])} tensors, {osp.getsize(out) / 2**20:.2f} MiB'
              + (f', delta of {base}.pth' if base else ''))
    lines = ''.join(f'{digest}  {name}\n' for name, digest in sorted(sums.items()))
    write_bytes_atomic(sums_file, lines.encode())


if __name__ == '__main__':
    main()
