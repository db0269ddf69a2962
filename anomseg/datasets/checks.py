import os.path as osp


def check_data_root(kwargs, how_to_get):
    """Fail before any work when a dataset's folders are missing, saying where they come from."""
    root = kwargs.get('data_root') or ''
    for key, sub in (kwargs.get('data_prefix') or {}).items():
        folder = osp.join(root, sub) if sub else root
        if not osp.isdir(folder):
            raise FileNotFoundError(f'dataset folder {folder!r} ({key}) does not exist; expected '
                                    f'{how_to_get}')
