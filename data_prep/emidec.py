"""EMIDEC cardiac MRI: the official NIfTI download to 2D slices, and a seeded split by patient.

``convert``: the official download (``emidec-dataset-1.0.1/Case_<K><NNN>/Images/<case>.nii.gz``
with its labels in ``Contours/<case>.nii.gz``; 0 background, 1 cavity, 2 normal myocardium,
3 infarction, 4 no-reflow) to the slice layout of ``EmidecDataset``::

    OUT/slices/Case_<K><NNN>_slice<SSS>.png       8-bit grey short-axis slice
    OUT/slicesannot/Case_<K><NNN>_slice<SSS>.png  its labels (0..4)

Each volume is brought to 8 bits by its 0.5 / 99.5 percentiles (``data_prep/msd.py``'s
``to_uint8``), every short-axis slice (the volume's third axis) is written with the first array
axis as columns, zero-padded to a centred square and resized to ``--size`` pixels (linear for
images, nearest for labels). Every case is read and checked (the two grids match, labels within
0..4) before anything is written, into a new folder renamed into place when complete.

``split``: patients of a slice folder into ``train`` / ``val`` / ``test`` split files (one
patient per line), seeded, never one patient in two splits. Patients are stratified by what
their labels hold (no lesion; infarct without no-reflow; no-reflow), so every split gets its
share of each kind; ``--fractions`` are per stratum.

Usage::

    python data_prep/emidec.py convert --src emidec-dataset-1.0.1 --out data/emidec
    python data_prep/emidec.py split --root data/emidec --out data/emidec_splits --seed 0
"""
import argparse
import glob
import os
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.datasets.emidec import (EMIDEC_CLASSES, check_slice,  # noqa: E402
                                     emidec_slices)
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402
from anomseg.utils.io import atomic_output_dir, check_new_output_dir  # noqa: E402
from anomseg.datasets.volume_slicing import load_volume, square_slice, to_uint8  # noqa: E402
from data_prep.msd import SPLITS, split_cases  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402

STRATA = ('no lesion', 'infarct without no-reflow', 'no-reflow')


def emidec_cases(src):
    """[(case, image path, label path)] of an official EMIDEC folder, checked to exist."""
    cases = []
    for case_dir in sorted(glob.glob(osp.join(src, 'Case_*'))):
        if not osp.isdir(case_dir):
            continue
        case = osp.basename(case_dir)
        image = osp.join(case_dir, 'Images', f'{case}.nii.gz')
        label = osp.join(case_dir, 'Contours', f'{case}.nii.gz')
        for path in (image, label):
            if not osp.isfile(path):
                raise FileNotFoundError(f'{path} not found: every case folder of the EMIDEC '
                                        'download holds Images/<case>.nii.gz and '
                                        'Contours/<case>.nii.gz')
        cases.append((case, image, label))
    if not cases:
        raise FileNotFoundError(f'{src}: no Case_* folder; expected the EMIDEC download')
    return cases


def convert(src, out, size=256):
    """Write the slices of every case of ``src`` into the new folder ``out``; returns the number
    of slices."""
    check_new_output_dir(src, out)
    volumes = []
    for case, image_path, label_path in emidec_cases(src):  # read and check before writing
        image, labels = load_volume(image_path), load_volume(label_path)
        if image.shape != labels.shape:
            raise InputError(f'{label_path}: labels of shape {labels.shape} do not match the '
                             f'image {image_path} of shape {image.shape}')
        values = np.unique(labels)
        bad = values[(values != np.rint(values)) | (values < 0) | (values >= len(EMIDEC_CLASSES))]
        if bad.size:
            raise InputError(f'{label_path}: label values {bad.tolist()} outside 0..'
                             f'{len(EMIDEC_CLASSES) - 1} ({", ".join(EMIDEC_CLASSES)})')
        volumes.append((case, to_uint8(image), labels.astype(np.uint8)))
    count = 0
    with atomic_output_dir(out) as tmp:
        for folder in ('slices', 'slicesannot'):
            os.makedirs(osp.join(tmp, folder))
        for case, grey, labels in volumes:
            for z in range(grey.shape[2]):
                name = f'{case}_slice{z:03d}.png'
                cv2.imwrite(osp.join(tmp, 'slices', name), square_slice(grey[:, :, z], size, False))
                cv2.imwrite(osp.join(tmp, 'slicesannot', name),
                            square_slice(labels[:, :, z], size, True))
                count += 1
    return count


def patient_strata(root):
    """{patient: stratum index} from the labels of every slice under ``root`` (each checked)."""
    present = {}
    for patient, image, label in emidec_slices(root):
        present.setdefault(patient, set()).update(check_slice(image, label))
    return {p: 2 if 4 in labels else 1 if 3 in labels else 0 for p, labels in present.items()}


def split(root, out, seed=0, fractions=(0.5, 0.1, 0.4)):
    """Write ``out/{train,val,test}.txt`` (a new folder); returns {split: patients}."""
    check_new_output_dir(root, out)
    strata = patient_strata(root)
    splits = {name: [] for name in SPLITS}
    for index in range(len(STRATA)):
        patients = sorted(p for p, s in strata.items() if s == index)
        for name, part in split_cases(patients, fractions, seed + index).items():
            splits[name] += part
    with atomic_output_dir(out) as tmp:
        for name, patients in splits.items():
            with open(osp.join(tmp, f'{name}.txt'), 'w') as fh:
                fh.write(''.join(f'{p}\n' for p in sorted(patients)))
    return splits, strata


@cli('emidec.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    conv = sub.add_parser('convert', help='official NIfTI download -> slices')
    conv.add_argument('--src', required=True, help='the EMIDEC download (Case_* folders)')
    conv.add_argument('--out', required=True, help='a new folder')
    conv.add_argument('--size', type=int, default=256, help='slice side in pixels')
    spl = sub.add_parser('split', help='split files by patient')
    spl.add_argument('--root', required=True, help='slice folder (X/ and Xannot/ folders)')
    spl.add_argument('--out', required=True, help='a new folder for train/val/test.txt')
    spl.add_argument('--seed', type=int, default=0)
    spl.add_argument('--fractions', type=float, nargs=3, default=(0.5, 0.1, 0.4),
                     metavar=('TRAIN', 'VAL', 'TEST'), help='per stratum')
    for p in (conv, spl):
        add_debug_argument(p)
    args = parser.parse_args(argv)
    if args.command == 'convert':
        count = convert(args.src, args.out, args.size)
        print(f'{count} slices written to {args.out}')
    else:
        splits, strata = split(args.root, args.out, args.seed, tuple(args.fractions))
        for name, patients in splits.items():
            kinds = [sum(strata[p] == i for p in patients) for i in range(len(STRATA))]
            print(f'{name}: {len(patients)} patients (' + ', '.join(
                f'{k} {s}' for k, s in zip(kinds, STRATA)) + f') -> {args.out}/{name}.txt')


if __name__ == '__main__':
    main()
