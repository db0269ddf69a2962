"""Shared by the benchmark-server writers: zipping a finished folder atomically."""
import os
import os.path as osp
import tempfile
import zipfile


def zip_folder_atomic(root, zip_path, subfolder='.'):
    """Zip every file under ``root/subfolder`` (names relative to ``root``, sorted) into
    ``zip_path``, which appears only once complete."""
    out_dir = osp.dirname(osp.abspath(zip_path))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(zip_path)}.', dir=out_dir)
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, 'w', zipfile.ZIP_STORED) as zf:
            for folder, _, files in sorted(os.walk(osp.join(root, subfolder))):
                for name in sorted(files):
                    path = osp.join(folder, name)
                    if osp.abspath(path) not in (osp.abspath(tmp), osp.abspath(zip_path)):
                        zf.write(path, osp.relpath(path, root))
        os.replace(tmp, zip_path)
    except BaseException:
        if osp.exists(tmp):
            os.unlink(tmp)
        raise
    return zip_path
