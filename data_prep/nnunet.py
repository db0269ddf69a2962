"""nnU-Net raw datasets (``DatasetNNN_Name``) to 2D slices for ``MedicalSliceDataset``.

The layout nnU-Net v2 trains from (Isensee et al., Nature Methods 2021; its
``dataset_format.md``)::

    DatasetNNN_Name/dataset.json        channel_names {"0": "CT"}, labels {"background": 0, ...},
                                        file_ending ".nii.gz"
    DatasetNNN_Name/imagesTr/CASE_0000.nii.gz   channel 0 of a training case (_0001: channel 1)
    DatasetNNN_Name/labelsTr/CASE.nii.gz        its labels
    DatasetNNN_Name/imagesTs/CASE_0000.nii.gz   test cases without labels (optional)

Classes are named as ``dataset.json`` names them: ``--inlier liver`` keeps liver as class 1
(several names: classes 1, 2, ... in that order), ``--anomaly tumor`` makes tumour voxels the
anomaly; numbers (``--inlier 1:1``, ``--anomaly 2``) work too. Labels named neither are
background with ``--other-background``, else an error. One channel is converted (``--channel``,
default 0; its name is in the output's ``meta.json``).

Every case goes through ``data_prep/msd.py``'s conversion: RAS+ reorientation, a CT window
(``--window``) or percentile scaling, in-plane resampling to ``--spacing``, radiological
pictures, a seeded split by case; ``imagesTs`` cases are written to ``images/unlabelled/``.
Everything is read and checked (every case has each channel, grids match, labels known) before
anything is written, into a new folder renamed into place when complete.

Usage::

    python data_prep/nnunet.py --dataset Dataset003_Liver --out data/liver_slices \\
        --inlier liver --anomaly tumor --window 60 400 --spacing 0.8
"""
import argparse
import glob
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402
from data_prep.msd import add_slicing_arguments, convert_cases, slicing_options  # noqa: E402


def read_dataset_json(dataset):
    """(labels {name: value}, channel names {index: name}, file ending) of a dataset folder."""
    path = osp.join(dataset, 'dataset.json')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path} not found: expected an nnU-Net raw dataset folder '
                                '(DatasetNNN_Name with dataset.json, imagesTr/, labelsTr/)')
    try:
        with open(path) as fh:
            meta = json.load(fh)
    except json.JSONDecodeError as err:
        raise InputError(f'{path}: not valid JSON ({err})') from None
    channels = meta.get('channel_names') or meta.get('modality')
    labels = meta.get('labels')
    if not isinstance(channels, dict) or not isinstance(labels, dict):
        raise InputError(f'{path}: needs "channel_names" and "labels" (nnU-Net v2 dataset.json)')
    out = {}
    for key, value in labels.items():
        if isinstance(value, (list, tuple)):
            raise InputError(f'{path}: label {key!r} is a region ({value}); region-based '
                             'labels have no single class per voxel, so they cannot be slices')
        if str(key).lstrip('-').isdigit():  # v1: {"0": "background"}
            key, value = value, key
        out[str(key)] = int(value)
    return out, {int(k): str(v) for k, v in channels.items()}, meta.get('file_ending', '.nii.gz')


def nnunet_cases(dataset, channel=0):
    """([(case, image, label)] of imagesTr/labelsTr, [(case, image)] of imagesTs), checked."""
    labels, channels, ending = read_dataset_json(dataset)
    if channel not in channels:
        raise InputError(f'{osp.join(dataset, "dataset.json")}: no channel {channel} '
                         f'(channels {channels})')
    training, missing = [], []
    label_files = sorted(glob.glob(osp.join(dataset, 'labelsTr', f'*{ending}')))
    if not label_files:
        raise FileNotFoundError(f'{osp.join(dataset, "labelsTr")}: no *{ending} label file')
    for label in label_files:
        case = osp.basename(label)[:-len(ending)]
        if case.startswith('._'):  # macOS archive debris
            continue
        for c in channels:
            path = osp.join(dataset, 'imagesTr', f'{case}_{c:04d}{ending}')
            if not osp.isfile(path):
                missing.append(path)
        training.append((case, osp.join(dataset, 'imagesTr', f'{case}_{channel:04d}{ending}'),
                         label))
    if missing:
        raise FileNotFoundError(f'{missing[0]} not found: every case of labelsTr needs each '
                                f'channel of dataset.json ({len(missing)} files missing)')
    test = []
    suffix = f'_{channel:04d}{ending}'
    for path in sorted(glob.glob(osp.join(dataset, 'imagesTs', f'*{suffix}'))):
        if not osp.basename(path).startswith('._'):
            test.append((osp.basename(path)[:-len(suffix)], path))
    return training, test


def class_mapping(names_or_numbers, labels, what):
    """``--inlier`` / ``--anomaly`` values (dataset.json names, or numbers, ``old:new`` for
    inliers) -> {label value: class} (inliers, in the order given from 1) or {label values}."""
    out = {}
    for index, item in enumerate(names_or_numbers, start=1):
        old, _, new = str(item).partition(':')
        if old in labels:
            value = labels[old]
        elif old.isdigit():
            value = int(old)
        else:
            raise InputError(f'--{what} {item!r}: not a label of dataset.json ({sorted(labels)})')
        out[value] = int(new) if new else index
    return out


@cli('nnunet.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--dataset', required=True, help='DatasetNNN_Name folder')
    parser.add_argument('--out', required=True, help='a new folder')
    parser.add_argument('--inlier', nargs='+', required=True,
                        help='inlier labels by dataset.json name (or value[:class])')
    parser.add_argument('--anomaly', nargs='*', default=[], help='anomaly labels, name or value')
    parser.add_argument('--channel', type=int, default=0)
    add_slicing_arguments(parser)
    args = add_debug_argument(parser).parse_args(argv)
    labels, _, _ = read_dataset_json(args.dataset)
    inlier = class_mapping(args.inlier, labels, 'inlier')
    anomaly = set(class_mapping(args.anomaly, labels, 'anomaly'))
    names = {v: k for k, v in labels.items()}
    classes = ['background'] + [names.get(old, f'class_{new}') for old, new in
                                sorted(inlier.items(), key=lambda kv: kv[1])]
    training, test = nnunet_cases(args.dataset, args.channel)
    splits, counts = convert_cases(training, args.out, inlier, anomaly, classes,
                                   source=args.dataset, unlabelled=test, **slicing_options(args))
    print(f'{sum(counts.values())} slices ({counts}) of classes {classes} from cases {splits} '
          f'written to {args.out}')


if __name__ == '__main__':
    main()
