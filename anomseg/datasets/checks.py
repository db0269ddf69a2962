import os.path as osp


def check_data_root(kwargs, how_to_get):
    """Fail before any work when a dataset's folders are missing, saying where they come from."""
    root = kwargs.get('data_root') or ''
    for key, sub in (kwargs.get('data_prefix') or {}).items():
        folder = osp.join(root, sub) if sub else root
        if not osp.isdir(folder):
            raise FileNotFoundError(f'dataset folder {folder!r} ({key}) does not exist; expected '
                                    f'{how_to_get}')


def _dataset_folder(dataset_cfg):
    root = dataset_cfg.get('data_root') or ''
    prefix = (dataset_cfg.get('data_prefix') or {}).get('img_path') or ''
    return osp.join(root, prefix) if prefix else root or '(no data_root)'


def check_dataset_files(dataset_cfg, what='dataset'):
    """Check every image and label file of a dataset config from their headers, before a run
    (``check_image_file``): missing, empty, truncated or non-image files, and labels of another
    size than their image. Raises one error naming the first bad file and how many more there
    are, or naming the folder when the dataset has no sample. Returns the number of samples."""
    import copy

    from mmengine.registry import DefaultScope
    from mmseg.registry import DATASETS
    from mmseg.utils import register_all_modules

    from anomseg.utils.image_files import check_image_file, check_same_size
    register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope('mmseg'):
        cfg = copy.deepcopy(dataset_cfg)
        if 'dataset' not in cfg and 'datasets' not in cfg:  # not a wrapper (Repeat, Concat)
            # mmengine cannot serialise an empty sample list, which is named below
            cfg['serialize_data'] = False
        dataset = DATASETS.build(cfg)
    if len(dataset) == 0:
        suffix = getattr(dataset, 'img_suffix', None)
        folder = (getattr(dataset, 'data_prefix', None) or {}).get('img_path') or \
            _dataset_folder(dataset_cfg)
        raise FileNotFoundError(f'{what}: no sample found in {folder}'
                                + (f' (images *{suffix} with their labels)' if suffix else ''))
    problems, seen = [], set()
    for index in range(len(dataset)):
        info = dataset.get_data_info(index)
        img = info.get('img_path')
        if not isinstance(img, str) or img in seen:
            continue
        seen.add(img)
        try:
            shape = check_image_file(img, 'image')
            for key in ('seg_map_path', 'anomaly_map_path'):
                label = info.get(key)
                if isinstance(label, str):
                    check_same_size(label, check_image_file(label, 'label'), shape, img)
        except (OSError, ValueError) as err:
            problems.append(err)
    if problems:
        more = f' (and {len(problems) - 1} more bad files)' if len(problems) > 1 else ''
        raise type(problems[0])(f'{what}: {problems[0]}{more}')
    return len(dataset)
