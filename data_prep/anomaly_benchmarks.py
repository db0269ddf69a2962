"""Convert an anomaly benchmark from its official download layout to the normalised layout every
anomseg tool reads with ``SMIYCDataset``: ``images/FRAME_ID.ext`` (the original files, copied
byte for byte) and ``labels_masks/FRAME_ID_labels_semantic.png`` (0 inlier, 1 anomaly, 255 void),
with ``labels_masks/FRAME_ID_instanceIds.png`` (16-bit, ids >= 1000) where the benchmark has
instance labels.

    python data_prep/anomaly_benchmarks.py --dataset RoadAnomaly --src DIR --dst DIR
    python data_prep/anomaly_benchmarks.py --dataset LostAndFoundNoKnown --src LAF --dst DIR
    python data_prep/anomaly_benchmarks.py --dataset FishyscapesLAF --src FS_LAF \
        --laf-root LAF --dst DIR

Every frame is checked first (image present, label values known after the benchmark's mapping);
problems are listed file by file and nothing is written. The output is assembled in a temporary
folder beside DST and renamed when complete; DST must not exist and must lie outside SRC.
"""
import argparse
import os
import os.path as osp
import shutil

import cv2
import numpy as np
from mmseg.utils import register_all_modules

from anomseg.apis import add_benchmark_arguments, benchmark_options
from anomseg.datasets.benchmarks import build_benchmark, frame_id
from anomseg.datasets.transforms import LoadAnomalyAnnotations
from anomseg.utils import atomic_output_dir, check_new_output_dir
from anomseg.utils.cli import add_debug_argument, cli
from anomseg.utils.image_files import check_image_file
from anomseg.utils.errors import InputError


def convert(name, src, dst, **options):
    """Convert; returns the number of frames. Raises ValueError listing every bad file."""
    check_new_output_dir(src, dst)
    dataset, _ = build_benchmark(name, src, **options)
    load = LoadAnomalyAnnotations()
    frames, problems = [], []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if not info.get('img_path') or not osp.isfile(info['img_path']):
            problems.append(f'{info.get("img_path")}: image missing')
            continue
        try:
            shape = check_image_file(info['img_path'])
            loaded = load(dict(info, ori_shape=shape))
            label = loaded['gt_anomaly_map']
        except (OSError, ValueError) as err:
            problems.append(str(err))
            continue
        frames.append((frame_id(info['img_path']), info['img_path'], label,
                       loaded.get('gt_anomaly_instances')))
    if problems:
        raise InputError(f'{len(problems)} of {len(dataset)} frames have problems; nothing was '
                         'written:\n  ' + '\n  '.join(problems))
    with atomic_output_dir(dst) as tmp:
        os.makedirs(osp.join(tmp, 'images'))
        os.makedirs(osp.join(tmp, 'labels_masks'))
        for fid, img_path, label, instances in frames:
            shutil.copyfile(img_path, osp.join(tmp, 'images', fid + osp.splitext(img_path)[1]))
            outputs = [(f'{fid}_labels_semantic.png', label)]
            if instances is not None:
                outputs.append((f'{fid}_instanceIds.png', instances.astype(np.uint16)))
            for name, array in outputs:
                if not cv2.imwrite(osp.join(tmp, 'labels_masks', name), array):
                    raise OSError(f'could not write {name}')
    return len(frames)


@cli('anomaly_benchmarks.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    add_benchmark_arguments(parser, '--src', 'the official download')
    parser.add_argument('--dst', required=True, help='new folder for the normalised layout')
    args = add_debug_argument(parser).parse_args(argv)
    register_all_modules(init_default_scope=True)
    count = convert(args.dataset, args.data_root, args.dst, **benchmark_options(args))
    print(f'{args.dst}: {count} frames ({args.dataset}), read with '
          f"dict(type='SMIYCDataset', data_root='{args.dst}', img_suffix=...)")


if __name__ == '__main__':
    main()
