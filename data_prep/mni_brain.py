"""A real brain-MRI slice set with synthetic lesions, from the MNI ICBM152 2009a template that the
pip package nilearn ships (T1 and grey/white-matter probability maps, BSD-3).

Classes per pixel: 0 background, 1 grey matter (GM probability >= 0.5), 2 white matter
(WM >= 0.5), 3 other tissue inside the head (T1 > 20). Axial slices with at least 1500 brain
pixels (z = 11..148 at 1 mm) are split into contiguous blocks, so no test slice has a neighbour
closer than ``gap`` slices in training:

- test: z in [``test_block``), each with 1-3 lesions inserted into the brain
  (``data_prep/medical_lesions.py``, ``--lesions smooth`` or ``speckled``; anomaly map 1 on lesions, 0 elsewhere in the brain, 255
  outside it; lesion pixels are 255 (ignored) in the class labels);
- val: z in [``val_block``), no lesion (closed-set Dice for checkpoint choice);
- train: every ``stride``-th remaining slice, ``gap`` slices away from both blocks.

Output: the ``MedicalSliceDataset`` layout (see ``data_prep/msd.py``) and ``meta.json``.

    python data_prep/mni_brain.py --out data/mni_brain
"""
import argparse
import glob
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from data_prep.medical_lesions import insert_lesion  # noqa: E402
from data_prep.msd import load_canonical, slice_picture  # noqa: E402
from anomseg.utils.io import atomic_output_dir, check_new_output_dir  # noqa: E402

CLASSES = ('background', 'grey matter', 'white matter', 'other')
PALETTE = [[0, 0, 0], [128, 128, 128], [255, 255, 255], [70, 130, 180]]
MIN_BRAIN_PX = 1500


def template_paths():
    import nilearn
    folder = osp.join(osp.dirname(nilearn.__file__), 'datasets', 'data')
    paths = {k: glob.glob(osp.join(folder, f'mni_icbm152_{k}_tal_nlin_sym_09a*.nii.gz'))
             for k in ('t1', 'gm', 'wm')}
    missing = [k for k, v in paths.items() if not v]
    if missing:
        raise FileNotFoundError(f'{folder}: nilearn ships no MNI ICBM152 {missing} map')
    return {k: v[0] for k, v in paths.items()}


def label_volume(t1, gm, wm):
    classes = np.zeros(t1.shape, np.uint8)
    classes[t1 > 20] = 3
    classes[gm >= 127.5] = 1
    classes[(wm >= 127.5) & (wm > gm)] = 2
    return classes


def plan_splits(brain_z, test_block, val_block, gap, stride):
    test = [z for z in brain_z if test_block[0] <= z < test_block[1]]
    val = [z for z in brain_z if val_block[0] <= z < val_block[1]]
    far = [z for z in brain_z
           if all(not (lo - gap <= z < hi + gap) for lo, hi in (test_block, val_block))]
    return dict(train=far[::stride], val=val, test=test)


LESIONS = dict(smooth=dict(), speckled=dict(texture_sigma=1.0, texture_amount=1.0))


def build(out_dir, test_block=(70, 94), val_block=(120, 128), gap=4, stride=2, seed=0,
          lesions='smooth'):
    check_new_output_dir(None, out_dir)
    paths = template_paths()
    t1, _ = load_canonical(paths['t1'])
    gm, _ = load_canonical(paths['gm'])
    wm, _ = load_canonical(paths['wm'])
    classes = label_volume(t1, gm, wm)
    brain = (classes == 1) | (classes == 2)
    brain_z = [int(z) for z in np.nonzero(brain.sum((0, 1)) >= MIN_BRAIN_PX)[0]]
    splits = plan_splits(brain_z, test_block, val_block, gap, stride)
    image = np.clip(np.rint(t1), 0, 255).astype(np.uint8)
    lesion_pixels = 0
    with atomic_output_dir(out_dir) as tmp:
        for split, zs in splits.items():
            for kind in ('images', 'labels', 'anomaly'):
                os.makedirs(osp.join(tmp, kind, split))
            for z in zs:
                img = slice_picture(image[:, :, z])
                cls = slice_picture(classes[:, :, z])
                roi = slice_picture(brain[:, :, z])
                lesion = np.zeros(roi.shape, bool)
                if split == 'test':
                    rng = np.random.default_rng([seed, z])
                    for _ in range(int(rng.integers(1, 4))):
                        img, mask = insert_lesion(img, roi, rng, **LESIONS[lesions])
                        lesion |= mask
                    lesion_pixels += int(lesion.sum())
                anomaly = np.where(roi, lesion.astype(np.uint8), 255).astype(np.uint8)
                cls = np.where(lesion, 255, cls).astype(np.uint8)
                name = f'mni152_{z:04d}.png'
                for kind, arr in (('images', img), ('labels', cls), ('anomaly', anomaly)):
                    cv2.imwrite(osp.join(tmp, kind, split, name), arr)
        with open(osp.join(tmp, 'meta.json'), 'w') as fh:
            json.dump(dict(source='nilearn MNI ICBM152 2009a (T1, GM, WM)', classes=CLASSES,
                           palette=PALETTE, splits={k: v for k, v in splits.items()},
                           test_lesion_pixels=lesion_pixels, lesions=lesions, seed=seed,
                           gap=gap, stride=stride),
                      fh, indent=1)
    return splits


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--lesions', choices=sorted(LESIONS), default='smooth',
                        help='smooth: brighter or darker blobs; speckled: fine texture, no mean '
                             'shift (see data_prep/medical_lesions.py)')
    args = parser.parse_args(argv)
    splits = build(args.out, seed=args.seed, lesions=args.lesions)
    print({k: len(v) for k, v in splits.items()}, 'slices written to', args.out)


if __name__ == '__main__':
    main()
