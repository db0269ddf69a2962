"""Cityscapes (Cordts et al., CVPR 2016) as the inlier training set: write
``*_gtFine_labelTrainIds.png`` (19 classes, 255 ignore) from the official ``*_gtFine_labelIds.png``
with the official label table, into a new folder; images are linked, not copied (``--copy``
copies them). mmseg's ``CityscapesDataset`` reads the result.

    python data_prep/cityscapes.py --src CITYSCAPES --dst data/cityscapes [--copy]
"""
import argparse
import glob
import os
import os.path as osp
import shutil

import cv2
import numpy as np

from anomseg.utils import atomic_output_dir, check_new_output_dir
from anomseg.utils.cli import add_debug_argument, cli
from anomseg.utils.image_files import check_image_file, check_same_size
from anomseg.utils.errors import InputError

# labelId -> trainId of cityscapesScripts' labels.py (ids without a train class -> 255).
TRAIN_IDS = {7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11,
             25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18}
LABEL_IDS = range(34)  # 0..33; the licence plate's id -1 never appears in the PNGs


def train_id_lut():
    lut = np.full(256, 255, np.uint8)
    for label_id, train_id in TRAIN_IDS.items():
        lut[label_id] = train_id
    return lut


def convert(src, dst, copy_images=False):
    """Returns {split: frames}. Raises ValueError listing every bad file; writes nothing then."""
    check_new_output_dir(src, dst)
    src = osp.abspath(src)
    labels = sorted(glob.glob(osp.join(src, 'gtFine', '*', '*', '*_gtFine_labelIds.png')))
    if not labels:
        raise InputError(f'{src}: no gtFine/SPLIT/CITY/*_gtFine_labelIds.png')
    problems, frames = [], []
    for label in labels:
        rel = osp.relpath(label, osp.join(src, 'gtFine'))
        image = osp.join(src, 'leftImg8bit', rel.replace('_gtFine_labelIds.png',
                                                         '_leftImg8bit.png'))
        if not osp.isfile(image):
            problems.append(f'{image}: image missing for {label}')
            continue
        try:
            check_same_size(label, check_image_file(label, 'label'), check_image_file(image),
                            image)
        except ValueError as err:
            problems.append(str(err))
            continue
        ids = cv2.imread(label, cv2.IMREAD_UNCHANGED)
        if ids is None or ids.ndim != 2:
            problems.append(f'{label}: not a single-channel label image')
            continue
        bad = np.setdiff1d(np.unique(ids), LABEL_IDS)
        if bad.size:
            problems.append(f'{label}: label ids outside 0..33: {bad.tolist()}')
            continue
        frames.append((rel, image, ids))
    if problems:
        raise InputError(f'{len(problems)} of {len(labels)} frames have problems; nothing was '
                         'written:\n  ' + '\n  '.join(problems))
    lut = train_id_lut()
    counts = {}
    with atomic_output_dir(dst) as tmp:
        for rel, image, ids in frames:
            out_label = osp.join(tmp, 'gtFine', rel.replace('_labelIds.png', '_labelTrainIds.png'))
            out_image = osp.join(tmp, 'leftImg8bit', osp.relpath(image,
                                                                 osp.join(src, 'leftImg8bit')))
            os.makedirs(osp.dirname(out_label), exist_ok=True)
            os.makedirs(osp.dirname(out_image), exist_ok=True)
            if not cv2.imwrite(out_label, lut[ids]):
                raise OSError(f'could not write {out_label}')
            if copy_images:
                shutil.copyfile(image, out_image)
            else:
                os.symlink(image, out_image)
            split = rel.split(os.sep)[0]
            counts[split] = counts.get(split, 0) + 1
    return counts


@cli('cityscapes.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', required=True,
                        help='the official download (leftImg8bit/, gtFine/)')
    parser.add_argument('--dst', required=True, help='new folder for mmseg')
    parser.add_argument('--copy', action='store_true', help='copy images instead of linking')
    args = add_debug_argument(parser).parse_args(argv)
    counts = convert(args.src, args.dst, args.copy)
    print(f'{args.dst}: ' + ', '.join(f'{n} {split}' for split, n in sorted(counts.items())))


if __name__ == '__main__':
    main()
