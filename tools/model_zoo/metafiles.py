"""The per-method metafiles (``configs/METHOD/metafile.yaml``, mmsegmentation's format), written or
checked from the zoos: ``checkpoints/ZOO/models.json`` (what each model is), ``results.json``
(what was measured), ``SHA256SUMS`` (the published files) and the configs (the training).

    python tools/model_zoo/metafiles.py           # check: exit 1 naming each stale metafile
    python tools/model_zoo/metafiles.py --write   # rewrite the ``Models`` of every metafile

A metafile's ``Collections`` (the method's paper and code) are written by hand and kept; its
``Models`` are the published models whose config lives in that folder, each with:

- ``Name``: the config's name (mmseg's convention); ``Alias``: the short stable name
  ``MODEL_ZOO`` (``erfnet-rpl_cityscapes``);
- ``Weights`` (a file of ``checkpoints/``) with its ``SHA256``, the weights' ``License``;
  ``Metadata``: the training (dataset type, batch size, iterations, crop) or ``released weights``,
  the architecture, the ``Base`` model a fine-tuning starts from (its alias);
- ``Results``, measured on the run whose weights are published (seed 0): closed-set mIoU on the
  config's test set, and per anomaly set AP, AUROC and FPR95 (in %) of the model's headline
  ``Scorer``, the one of highest AP averaged over the zoo's anomaly sets (for a zoo without anomaly
  sets, over the heart region of its test patients).
"""
import argparse
import glob
import json
import os.path as osp
import sys

import yaml
from mmengine.config import Config

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
ANOMALY_METRICS = ('AP', 'AUROC', 'FPR95')
CLOSED_SET_DATA = {'camvid': 'CamVid val', 'cityscapes': 'CamVid val (Cityscapes classes mapped)'}


def read_zoos(repo=REPO):
    """{zoo: (models.json, results.json, {file name: sha256})} for every checkpoints/ZOO."""
    zoos = {}
    for path in sorted(glob.glob(osp.join(repo, 'checkpoints', '*', 'models.json'))):
        root = osp.dirname(path)
        sums = {}
        for line in open(osp.join(root, 'SHA256SUMS')).read().splitlines():
            digest, name = line.split('  ', 1)
            sums[name] = digest
        zoos[osp.basename(root)] = (json.load(open(path)),
                                    json.load(open(osp.join(root, 'results.json'))), sums)
    return zoos


def weights_file(zoo, key, spec):
    """The published file of a zoo model, relative to the repository."""
    return spec.get('checkpoint') or f'checkpoints/{zoo}/{key}.pth'


def headline(run):
    """(scorer, {anomaly set: {metric: value in %}}) of one run of results.json: the scorer of
    highest mean AP over the anomaly sets, or over the heart region where the zoo has no sets."""
    if run['benchmarks']:
        per_set = {name: b['scorers'] for name, b in run['benchmarks'].items()}
    else:  # medical: tools/test.py's metrics, 'heart/SCORER/METRIC'
        scorers = {}
        for key, value in run['test'].items():
            parts = key.split('/')
            if len(parts) == 3 and parts[0] == 'heart':
                scorers.setdefault(parts[1], {})[parts[2]] = value
        per_set = {'heart': scorers}
    common = set.intersection(*(set(s) for s in per_set.values()))
    scorer = max(sorted(common),
                 key=lambda s: sum(per_set[b][s]['AP'] for b in per_set) / len(per_set))
    return scorer, {b: {m: round(100 * per_set[b][scorer][m], 2) for m in ANOMALY_METRICS}
                    for b in per_set}


def model_entry(zoo, key, spec, results, sums, collection):
    cfg = Config.fromfile(osp.join(REPO, spec['config']))
    run = results[key]['seeds']['0']
    scorer, anomaly = headline(run)
    stem = osp.splitext(osp.basename(spec['config']))[0]
    weights = weights_file(zoo, key, spec)
    meta = {'Title': spec['title']}
    if spec.get('checkpoint'):  # released weights, converted
        meta['Training Data'] = f'{zoo} (released weights)'
    else:
        meta.update({'Training Data': cfg.train_dataloader.dataset.type,
                     'Batch Size': cfg.train_dataloader.batch_size,
                     'Iterations': cfg.train_cfg.max_iters, 'Crop Size': list(cfg.crop_size)})
    meta['Architecture'] = [cfg.model.type, cfg.model.backbone.type, cfg.model.decode_head.type]
    meta['Scorer'] = scorer
    if spec.get('base'):
        meta['Base'] = f'{spec["base"]}_{zoo}'
    if run['benchmarks']:
        closed = {'Task': 'Semantic Segmentation',
                  'Dataset': CLOSED_SET_DATA.get(zoo, zoo), 'Metrics': {'mIoU': run['mIoU']}}
        sets = [{'Task': 'Anomaly Segmentation', 'Dataset': name, 'Metrics': metrics}
                for name, metrics in sorted(anomaly.items())]
    else:
        test = run['test']
        closed = {'Task': 'Semantic Segmentation', 'Dataset': f'{zoo} test patients',
                  'Metrics': {'mIoU': round(100 * test['heart/mIoU'], 2),
                              'mDice': round(100 * test['heart/mDice'], 2)}}
        # every class's Dice: a known class the model never predicts must show (Dice 0)
        closed['Metrics'].update({k.split('/', 1)[1]: round(100 * v, 2) for k, v in test.items()
                                  if k.startswith('heart/Dice.')})
        sets = [{'Task': 'Anomaly Segmentation', 'Dataset': f'{zoo} test patients (heart)',
                 'Metrics': anomaly['heart']}]
    return {'Name': stem, 'Alias': f'{key}_{zoo}', 'In Collection': collection,
            'Config': spec['config'], 'Weights': weights,
            'SHA256': sums[osp.basename(weights)], 'License': spec['licence'],
            'Metadata': meta, 'Results': [closed] + sets}


def build(repo=REPO):
    """{metafile path: its content} with the Models regenerated from the zoos."""
    metafiles = {p: yaml.safe_load(open(p))
                 for p in sorted(glob.glob(osp.join(repo, 'configs', '*', 'metafile.yaml')))}
    folders = {osp.basename(osp.dirname(p)): p for p in metafiles}
    for doc in metafiles.values():
        doc['Models'] = []
    for zoo, (zoo_def, results, sums) in read_zoos(repo).items():
        for key, spec in zoo_def['models'].items():
            if osp.basename(weights_file(zoo, key, spec)) not in sums:
                continue  # measured, not published
            folder = spec['config'].split('/')[1]
            if folder not in folders:
                raise SystemExit(f'metafiles.py: error: configs/{folder}/metafile.yaml missing '
                                 f'(model {key}_{zoo})')
            doc = metafiles[folders[folder]]
            doc['Models'].append(model_entry(zoo, key, spec, results, sums,
                                             doc['Collections'][0]['Name']))
    return metafiles


def dump(doc):
    return yaml.safe_dump(doc, sort_keys=False, width=100, allow_unicode=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--write', action='store_true', help='rewrite the metafiles')
    args = parser.parse_args(argv)
    stale = []
    for path, doc in build().items():
        text = dump(doc)
        if open(path).read() != text:
            stale.append(osp.relpath(path, REPO))
            if args.write:
                from anomseg.utils import write_bytes_atomic
                write_bytes_atomic(path, text.encode())
    if stale and not args.write:
        print('metafiles out of date (python tools/model_zoo/metafiles.py --write): '
              + ', '.join(stale), file=sys.stderr)
        return 1
    for path in stale:
        print(f'wrote {path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
