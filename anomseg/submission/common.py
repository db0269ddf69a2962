"""Shared by the benchmark-server writers: zipping a finished folder atomically."""
import os
import os.path as osp
import zipfile

from anomseg.utils.io import atomic_file


def zip_folder_atomic(root, zip_path, subfolder='.', dir_entries=False):
    """Zip every file under ``root/subfolder`` (names relative to ``root``, sorted) into
    ``zip_path``, which appears only once complete. ``dir_entries``: also store an entry for
    each folder (``name/``), as readers that list folders from the zip's entries need."""
    with atomic_file(zip_path) as tmp, zipfile.ZipFile(tmp, 'w', zipfile.ZIP_STORED) as zf:
        for folder, _, files in sorted(os.walk(osp.join(root, subfolder))):
            rel = osp.relpath(folder, root)
            if dir_entries and rel != '.':
                zf.write(folder, rel.replace(os.sep, '/') + '/')
            for name in sorted(files):
                path = osp.join(folder, name)
                if osp.abspath(path) not in (osp.abspath(tmp), osp.abspath(zip_path)):
                    zf.write(path, osp.relpath(path, root))
    return zip_path
