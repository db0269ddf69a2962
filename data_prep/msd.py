"""NIfTI volumes (Medical Segmentation Decathlon layout) to 2D slices for ``MedicalSliceDataset``.

Input: ``TaskXX_Name/{imagesTr,labelsTr}/*.nii.gz`` and ``dataset.json`` (macOS ``._*`` files
from the archives are skipped). Each case is

1. reoriented to RAS+ from its affine (``nibabel.as_closest_canonical``), so every volume, in
   whatever orientation it was stored, is cut into the same axial slices;
2. brought to 8 bits: CT with a HU window (``--window LEVEL WIDTH``: [L - W/2, L + W/2] -> 0..255),
   MRI by its 0.5 / 99.5 percentiles;
3. resampled in-plane to ``--spacing`` mm (linear for images, nearest for labels);
4. cut into axial slices: those with label content (default) or every ``--stride``-th slice.

Labels are remapped by ``--inlier`` (original label -> class, e.g. ``1:1`` for Task07's
pancreas) and ``--anomaly`` (original labels that are anomalies, e.g. ``2``, its tumour).
Cases are split per case (never one patient in two splits), seeded.

Output (a new folder, renamed into place when complete)::

    images/{split}/{case}_{z:04d}.png    8-bit slice
    labels/{split}/{case}_{z:04d}.png    inlier classes (0 background), anomaly pixels 255 (ignored)
    anomaly/{split}/{case}_{z:04d}.png   0 inlier, 1 anomaly, 255 outside the region of interest
    images/unlabelled/{case}_{z:04d}.png cases without labels (data_prep/nnunet.py: imagesTs)
    meta.json                            classes, settings, the cases of each split

``--roi`` sets the region of interest of the anomaly maps: ``all`` pixels, the ``body``
(image above ``--body-threshold`` in HU / intensity), or the ``organ`` (inlier organs and
anomalies grown by ``--roi-margin`` pixels).

Usage::

    python data_prep/msd.py --task Task07_Pancreas --out data/msd_pancreas \
        --inlier 1:1 --anomaly 2 --classes background pancreas --window 40 400 --spacing 1.0
"""
import argparse
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.datasets.volume_slicing import (load_canonical, resample_slice,  # noqa: E402
                                             slice_picture, to_uint8)
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402
from anomseg.utils.io import atomic_output_dir, check_new_output_dir  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402

SPLITS = ('train', 'val', 'test')


def remap(labels, inlier, anomaly):
    """(class map: inlier classes, 0 background (also every label not listed), anomaly 255;
    anomaly mask) of original labels."""
    lut = np.zeros(int(max(labels.max(), *inlier, *anomaly, 0)) + 1, np.uint8)
    for old, new in inlier.items():
        lut[old] = new
    for old in anomaly:
        lut[old] = 255
    classes = lut[labels.astype(np.int64)]
    return classes, classes == 255


def region_of_interest(image, classes, anomaly, roi, body_threshold, margin):
    if roi == 'all':
        return np.ones(classes.shape, bool)
    if roi == 'body':
        return image > body_threshold
    organ = ((classes > 0) & (classes != 255)) | anomaly
    if margin:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
        organ = cv2.dilate(organ.astype(np.uint8), kernel) > 0
    return organ


def split_cases(cases, fractions=(0.7, 0.1, 0.2), seed=0):
    """{split: sorted cases}: a seeded permutation of the cases cut by ``fractions``; every split
    with a positive fraction gets at least one case when there are enough."""
    order = [cases[i] for i in np.random.default_rng(seed).permutation(len(cases))]
    n = len(order)
    counts = [int(round(f * n)) for f in fractions]
    for i, f in enumerate(fractions):
        if f > 0 and counts[i] == 0 and sum(counts) < n:
            counts[i] = 1
    counts[0] = n - sum(counts[1:])
    out, start = {}, 0
    for split, count in zip(SPLITS, counts):
        out[split] = sorted(order[start:start + count])
        start += count
    return out


def msd_pairs(task_dir):
    """(case, image path, label path) of the task's training cases, checked to exist."""
    meta_path = osp.join(task_dir, 'dataset.json')
    if not osp.isfile(meta_path):
        raise FileNotFoundError(f'{meta_path} not found: expected an MSD task folder')
    with open(meta_path) as fh:
        try:
            meta = json.load(fh)
        except json.JSONDecodeError as err:
            raise InputError(f'{meta_path}: not valid JSON ({err})') from None
    pairs, missing = [], []
    for entry in meta.get('training', []):
        image = osp.normpath(osp.join(task_dir, entry['image']))
        label = osp.normpath(osp.join(task_dir, entry['label']))
        if osp.basename(image).startswith('._'):
            continue
        for path in (image, label):
            if not osp.isfile(path):
                missing.append(path)
        case = osp.basename(image).split('.nii')[0]
        pairs.append((case, image, label))
    if missing:
        raise FileNotFoundError(f'{meta_path}: {len(missing)} files it lists are missing, e.g. '
                                f'{missing[0]}')
    if not pairs:
        raise InputError(f'{meta_path}: no training case listed')
    return pairs


def convert_cases(pairs, out_dir, inlier, anomaly, classes, window=None, spacing=None, stride=1,
                  content_only=True, roi='organ', body_threshold=-500.0, roi_margin=10,
                  fractions=(0.7, 0.1, 0.2), seed=0, source=None, other_background=False,
                  unlabelled=()):
    """Convert (case, image, label) NIfTI pairs into slices; see the module docstring. Labels
    neither inlier nor anomaly are an error unless ``other_background`` (then background).
    ``unlabelled``: (case, image) pairs without labels (e.g. a test set), every ``stride``-th
    slice written to ``images/unlabelled/`` the same way."""
    check_new_output_dir(source, out_dir)
    volumes = {}
    for case, image_path, label_path in pairs:  # read and check everything before writing
        image, zooms = load_canonical(image_path)
        labels, label_zooms = load_canonical(label_path)
        if image.shape != labels.shape or not np.allclose(zooms, label_zooms, atol=1e-3):
            raise InputError(f'{label_path}: grid {labels.shape} @ {label_zooms} does not match '
                             f'its image {image_path}: {image.shape} @ {zooms}')
        unknown = set(np.unique(labels).astype(int)) - set(inlier) - set(anomaly) - {0}
        if unknown and not other_background:
            raise InputError(f'{label_path}: labels {sorted(unknown)} are neither inlier '
                             f'({sorted(inlier)}) nor anomaly ({sorted(anomaly)}); map them or '
                             f'pass --other-background')
        volumes[case] = (image, np.rint(labels).astype(np.int64), zooms)
    test_volumes = [(case, *load_canonical(path)) for case, path in unlabelled]
    splits = split_cases(sorted(volumes), fractions, seed)
    counts = {s: 0 for s in SPLITS}
    with atomic_output_dir(out_dir) as tmp:
        for split, cases in splits.items():
            for kind in ('images', 'labels', 'anomaly'):
                os.makedirs(osp.join(tmp, kind, split))
            for case in cases:
                image, labels, zooms = volumes[case]
                grey = to_uint8(image, window)
                for z in range(0, image.shape[2], stride):
                    cls_z, ano_z = remap(labels[:, :, z], inlier, anomaly)
                    if content_only and not (cls_z.any() or ano_z.any()):
                        continue
                    cls, ano = cls_z, ano_z
                    roi_mask = region_of_interest(image[:, :, z], cls, ano, roi, body_threshold,
                                                  roi_margin)
                    anomaly_map = np.where(roi_mask, ano.astype(np.uint8), 255).astype(np.uint8)
                    name = f'{case}_{z:04d}.png'
                    for kind, arr, nearest in (('images', grey[:, :, z], False),
                                               ('labels', cls, True),
                                               ('anomaly', anomaly_map, True)):
                        pic = slice_picture(resample_slice(arr, zooms, spacing, nearest))
                        cv2.imwrite(osp.join(tmp, kind, split, name), pic)
                    counts[split] += 1
        if test_volumes:
            os.makedirs(osp.join(tmp, 'images', 'unlabelled'))
            counts['unlabelled'] = 0
        for case, image, zooms in test_volumes:
            grey = to_uint8(image, window)
            for z in range(0, image.shape[2], stride):
                pic = slice_picture(resample_slice(grey[:, :, z], zooms, spacing, False))
                cv2.imwrite(osp.join(tmp, 'images', 'unlabelled', f'{case}_{z:04d}.png'), pic)
                counts['unlabelled'] += 1
        with open(osp.join(tmp, 'meta.json'), 'w') as fh:
            json.dump(dict(classes=list(classes), inlier={str(k): v for k, v in inlier.items()},
                           anomaly=sorted(anomaly), window=window, spacing=spacing,
                           stride=stride, roi=roi, splits=splits, slices=counts,
                           unlabelled=[case for case, _ in unlabelled]), fh, indent=1)
    return splits, counts


def parse_mapping(items):
    out = {}
    for item in items:
        old, new = item.split(':')
        out[int(old)] = int(new)
    return out


def add_slicing_arguments(parser):
    """The options of ``convert_cases`` that every volume converter takes."""
    parser.add_argument('--window', type=float, nargs=2, metavar=('LEVEL', 'WIDTH'),
                        help='CT window in HU (default: percentile scaling, for MRI)')
    parser.add_argument('--spacing', type=float, help='in-plane spacing in mm')
    parser.add_argument('--stride', type=int, default=1)
    parser.add_argument('--all-slices', action='store_true', help='not only slices with labels')
    parser.add_argument('--other-background', action='store_true',
                        help='labels neither --inlier nor --anomaly become background')
    parser.add_argument('--roi', choices=['all', 'body', 'organ'], default='organ')
    parser.add_argument('--roi-margin', type=int, default=10, help='pixels, for --roi organ')
    parser.add_argument('--body-threshold', type=float, default=-500.0)
    parser.add_argument('--fractions', type=float, nargs=3, default=(0.7, 0.1, 0.2))
    parser.add_argument('--seed', type=int, default=0)


def slicing_options(args):
    """``convert_cases`` keyword arguments of ``add_slicing_arguments``' options."""
    return dict(window=args.window, spacing=args.spacing, stride=args.stride,
                content_only=not args.all_slices, roi=args.roi,
                body_threshold=args.body_threshold, roi_margin=args.roi_margin,
                fractions=tuple(args.fractions), seed=args.seed,
                other_background=args.other_background)


@cli('msd.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--task', required=True, help='MSD task folder (with dataset.json)')
    parser.add_argument('--out', required=True, help='a new folder')
    parser.add_argument('--inlier', nargs='+', required=True, help='original:class, e.g. 1:1')
    parser.add_argument('--anomaly', type=int, nargs='*', default=[], help='original labels')
    parser.add_argument('--classes', nargs='+', required=True, help='class names, 0 first')
    add_slicing_arguments(parser)
    args = add_debug_argument(parser).parse_args(argv)
    inlier = parse_mapping(args.inlier)
    if max(inlier.values()) >= len(args.classes):
        parser.error(f'--classes names {len(args.classes)} classes but --inlier maps to '
                     f'{max(inlier.values())}')
    splits, counts = convert_cases(msd_pairs(args.task), args.out, inlier, set(args.anomaly),
                                   args.classes, source=args.task, **slicing_options(args))
    print(f'{sum(counts.values())} slices ({counts}) from cases {splits} written to {args.out}')


if __name__ == '__main__':
    main()
