"""Build an outlier object bank (``anomseg/datasets/ood_bank.py`` layout) for ``PasteOOD``.

Sources:

- ``coco``: instance masks from the official COCO annotation JSON. As Meta-OoD (Chan et al.,
  ICCV 2021) does, every image that contains a class overlapping the driving inlier classes
  (person, bicycle, car, motorcycle, bus, truck, traffic light, stop sign) is skipped whole, so no
  pasted crop shows an inlier class; crowd annotations and objects under ``--min-area`` pixels are
  skipped too.
- ``ade20k``: instances from the full ADE20K release (``*_seg.png``: class = R / 10 * 256 + G,
  instance = B), from a random subset of classes (``--num-classes``, seeded) or from ``--classes``,
  as EAM/UNO paste ADE20K objects.
- ``skimage``: no download needed: shapes (smooth random blobs, the horse silhouette, the
  scikit-image logo) textured with crops of the photographs scikit-image ships (cat, coffee,
  rocket, Hubble field, microscopy, retina, colour wheel; no photo of a person). Used by tests and
  the CPU configs.

Every input is checked before anything is written; the bank is written under a temporary name
and renamed when complete; an existing output folder or one inside the source is refused.

Usage::

    python data_prep/ood_bank.py skimage --out data/ood_bank/skimage --num-objects 300
    python data_prep/ood_bank.py coco --out data/ood_bank/coco \
        --ann COCO/annotations/instances_train2017.json --images COCO/train2017
    python data_prep/ood_bank.py ade20k --out data/ood_bank/ade20k --root ADE20K_2021_17_01 \
        --num-classes 30
"""
import argparse
import glob
import itertools
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.datasets.ood_bank import BANK_FORMAT, BANK_INDEX  # noqa: E402
from anomseg.datasets.transforms import random_blob  # noqa: E402
from anomseg.utils import atomic_output_dir, check_new_output_dir  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402
from anomseg.utils.image_files import check_image_file  # noqa: E402
from anomseg.utils.errors import InputError  # noqa: E402
from anomseg.utils.optional import import_optional  # noqa: E402

COCO_INLIER_OVERLAP = ('person', 'bicycle', 'car', 'motorcycle', 'bus', 'truck',
                       'traffic light', 'stop sign')
SKIMAGE_PHOTOS = ('chelsea', 'coffee', 'rocket', 'hubble_deep_field', 'immunohistochemistry',
                  'retina', 'colorwheel')


def write_bank(out, objects, source, src=None):
    """Write ``objects`` — (BGR uint8, bool mask, category, source image) tuples — as a bank at
    ``out``, each cropped to its mask's bounding box. Returns the number written."""
    check_new_output_dir(src, out)
    records = []
    with atomic_output_dir(out) as tmp:
        os.makedirs(osp.join(tmp, 'objects'))
        for bgr, mask, category, image in objects:
            ys, xs = np.nonzero(mask)
            y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
            crop = np.dstack([bgr[y0:y1, x0:x1], np.where(mask[y0:y1, x0:x1], 255, 0)])
            name = f'objects/{len(records):06d}.png'
            if not cv2.imwrite(osp.join(tmp, name), crop.astype(np.uint8)):
                raise OSError(f'could not write {osp.join(out, name)}')
            records.append(dict(file=name, category=category, image=image,
                                height=int(y1 - y0), width=int(x1 - x0),
                                area=int(mask.sum())))
        if not records:
            raise InputError(f'no object passed the filters; nothing written to {out}')
        with open(osp.join(tmp, BANK_INDEX), 'w') as fh:
            json.dump(dict(format=BANK_FORMAT, source=source, objects=records), fh, indent=1)
    return len(records)


def coco_objects(ann_file, image_dir, exclude=COCO_INLIER_OVERLAP, min_area=1000,
                 max_objects=None, seed=0):
    """Check the COCO annotation file and images, then yield the kept objects."""
    from pycocotools import mask as mask_utils
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{ann_file}: COCO annotation file not found')
    with open(ann_file) as fh:
        try:
            coco = json.load(fh)
        except json.JSONDecodeError as err:
            raise InputError(f'{ann_file}: not valid JSON ({err})') from None
    for key in ('images', 'annotations', 'categories'):
        if key not in coco:
            raise InputError(f'{ann_file}: no "{key}" list; not a COCO instances file')
    names = {c['id']: c['name'] for c in coco['categories']}
    unknown = set(exclude) - set(names.values())
    if unknown:
        raise InputError(f'{ann_file}: excluded classes {sorted(unknown)} are not COCO classes')
    excluded_ids = {i for i, n in names.items() if n in exclude}
    skip_images = {a['image_id'] for a in coco['annotations'] if a['category_id'] in excluded_ids}
    kept = [a for a in coco['annotations']
            if a['image_id'] not in skip_images and not a.get('iscrowd', 0)
            and a.get('area', 0) >= min_area]
    order = np.random.default_rng(seed).permutation(len(kept))
    kept = [kept[i] for i in order[:max_objects]]
    images = {im['id']: im for im in coco['images']}
    missing = sorted({images[a['image_id']]['file_name'] for a in kept
                      if not osp.isfile(osp.join(image_dir, images[a['image_id']]['file_name']))})
    if missing:
        raise FileNotFoundError(f'{image_dir}: {len(missing)} images named in {ann_file} are '
                                f'missing, e.g. {missing[0]}')
    for im in {images[a['image_id']]['id']: images[a['image_id']] for a in kept}.values():
        path = osp.join(image_dir, im['file_name'])
        if check_image_file(path) != (im['height'], im['width']):
            raise InputError(f'{path}: not {im["width"]}x{im["height"]} as {ann_file} says')
    for ann in kept:
        im = images[ann['image_id']]
        seg = ann['segmentation']
        if isinstance(seg, list):
            rle = mask_utils.merge(mask_utils.frPyObjects(seg, im['height'], im['width']))
        elif isinstance(seg['counts'], list):
            rle = mask_utils.frPyObjects(seg, im['height'], im['width'])
        else:
            rle = seg
        mask = mask_utils.decode(rle).astype(bool)
        if mask.sum() < min_area:
            continue
        bgr = cv2.imread(osp.join(image_dir, im['file_name']), cv2.IMREAD_COLOR)
        if bgr is None or bgr.shape[:2] != mask.shape:
            raise InputError(f'{osp.join(image_dir, im["file_name"])}: unreadable or not '
                             f'{im["height"]}x{im["width"]} as the annotations say')
        yield bgr, mask, names[ann['category_id']], im['file_name']


def ade20k_objects(root, num_classes=20, classes=None, min_area=1000, seed=0):
    """Instances of the chosen ADE20K classes from ``*_seg.png`` files under ``root``."""
    seg_files = sorted(glob.glob(osp.join(root, '**', '*_seg.png'), recursive=True))
    if not seg_files:
        raise FileNotFoundError(f'{root}: no *_seg.png file; expected the full ADE20K release')
    missing = [f for f in seg_files if not osp.isfile(f[:-len('_seg.png')] + '.jpg')]
    if missing:
        raise FileNotFoundError(f'{missing[0]}: its image {missing[0][:-8]}.jpg is missing '
                                f'({len(missing)} in all)')
    for path in seg_files:
        image = path[:-len('_seg.png')] + '.jpg'
        seg_shape = check_image_file(path, 'segmentation')
        if check_image_file(image) != seg_shape:
            raise InputError(f'{path}: segmentation of size {seg_shape[1]}x{seg_shape[0]} '
                             f'does not match its image {image}')

    def decode(path):
        seg = cv2.imread(path, cv2.IMREAD_COLOR)
        if seg is None:
            raise InputError(f'{path}: unreadable')
        b, g, r = (seg[..., i].astype(np.int32) for i in range(3))
        return r // 10 * 256 + g, b

    if classes is None:
        present = set()
        for path in seg_files:
            present.update(np.unique(decode(path)[0]).tolist())
        present.discard(0)
        rng = np.random.default_rng(seed)
        classes = rng.choice(sorted(present), size=min(num_classes, len(present)), replace=False)
    chosen = {int(c) for c in classes}
    for path in seg_files:
        cls, inst = decode(path)
        wanted = np.isin(cls, list(chosen))
        bgr = None
        for inst_id in np.unique(inst[wanted]):
            mask = (inst == inst_id) & wanted
            if inst_id == 0 or mask.sum() < min_area:
                continue
            if bgr is None:
                bgr = cv2.imread(path[:-len('_seg.png')] + '.jpg', cv2.IMREAD_COLOR)
            category = int(np.bincount(cls[mask]).argmax())
            yield bgr, mask, f'ade20k-{category}', osp.relpath(path, root)


def skimage_objects(num_objects=200, min_size=40, max_size=160, seed=0):
    """Shapes textured with crops of scikit-image's bundled photographs (deterministic)."""
    skimage_data = import_optional('skimage.data', 'the scikit-image object bank')
    photos = {name: cv2.cvtColor(getattr(skimage_data, name)(), cv2.COLOR_RGB2BGR)
              for name in SKIMAGE_PHOTOS}
    horse = ~skimage_data.horse()
    logo = skimage_data.logo()
    rng = np.random.default_rng(seed)
    for _ in range(num_objects):
        size = int(rng.integers(min_size, max_size + 1))
        kind = rng.choice(['blob', 'blob', 'horse', 'logo'])
        if kind == 'logo':
            obj = cv2.cvtColor(logo[..., :3], cv2.COLOR_RGB2BGR)
            mask = logo[..., 3] > 127
            photo = 'logo'
        else:
            if kind == 'blob':
                mask = random_blob(rng, size)
            else:
                mask = horse
            photo = str(rng.choice(SKIMAGE_PHOTOS))
            src = photos[photo]
            h, w = mask.shape
            if src.shape[0] < h or src.shape[1] < w:
                f = max(h / src.shape[0], w / src.shape[1])
                src = cv2.resize(src, (int(np.ceil(src.shape[1] * f)),
                                       int(np.ceil(src.shape[0] * f))))
            top = int(rng.integers(0, src.shape[0] - h + 1))
            left = int(rng.integers(0, src.shape[1] - w + 1))
            obj = src[top:top + h, left:left + w]
        f = size / max(mask.shape)
        shape = (max(1, round(mask.shape[1] * f)), max(1, round(mask.shape[0] * f)))
        obj = cv2.resize(np.ascontiguousarray(obj), shape, interpolation=cv2.INTER_AREA)
        mask = cv2.resize(mask.astype(np.uint8), shape, interpolation=cv2.INTER_NEAREST) > 0
        if mask.any():
            yield obj, mask, f'{photo}-{kind}', f'skimage.data.{photo}'


@cli('ood_bank.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='source', required=True)
    for name in ('coco', 'ade20k', 'skimage'):
        p = sub.add_parser(name)
        p.add_argument('--out', required=True, help='new folder for the bank')
        p.add_argument('--seed', type=int, default=0)
        if name != 'skimage':
            p.add_argument('--min-area', type=int, default=1000, help='pixels')
        add_debug_argument(p)
    coco = sub.choices['coco']
    coco.add_argument('--ann', required=True, help='COCO instances_*.json')
    coco.add_argument('--images', required=True, help='the matching image folder')
    coco.add_argument('--max-objects', type=int, default=None)
    coco.add_argument('--exclude', nargs='*', default=list(COCO_INLIER_OVERLAP),
                      help='COCO class names whose images are skipped')
    ade = sub.choices['ade20k']
    ade.add_argument('--root', required=True)
    ade.add_argument('--num-classes', type=int, default=20)
    ade.add_argument('--classes', type=int, nargs='*', default=None, help='ADE20K class ids')
    skim = sub.choices['skimage']
    skim.add_argument('--num-objects', type=int, default=200)
    args = parser.parse_args(argv)
    check_new_output_dir({'coco': args.images if args.source == 'coco' else None,
                          'ade20k': getattr(args, 'root', None)}.get(args.source), args.out)
    if args.source == 'coco':
        objects = coco_objects(args.ann, args.images, tuple(args.exclude), args.min_area,
                               args.max_objects, args.seed)
        src = args.images
    elif args.source == 'ade20k':
        objects = ade20k_objects(args.root, args.num_classes, args.classes, args.min_area,
                                 args.seed)
        src = args.root
    else:
        objects = skimage_objects(args.num_objects, seed=args.seed)
        src = None
    objects = iter(objects)
    first = next(objects, None)  # runs the input checks before the output folder is made
    if first is None:
        parser.error('no object passed the filters')
    n = write_bank(args.out, itertools.chain([first], objects), args.source, src)
    print(f'{n} objects written to {args.out}')


if __name__ == '__main__':
    main()
