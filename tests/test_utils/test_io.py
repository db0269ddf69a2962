import os
import stat

import numpy as np

from anomseg.utils import atomic_output_dir, write_bytes_atomic, write_hdf5_atomic


def test_atomic_outputs_get_the_mode_of_a_plain_write(tmp_path):
    old = os.umask(0o027)
    try:
        write_bytes_atomic(str(tmp_path / 'a.bin'), b'x')
        write_hdf5_atomic(str(tmp_path / 'b.hdf5'), np.zeros((2, 2)))
        with atomic_output_dir(str(tmp_path / 'out')) as tmp:
            open(os.path.join(tmp, 'f'), 'w').close()
        open(tmp_path / 'plain.bin', 'wb').close()
        os.mkdir(tmp_path / 'plain')
    finally:
        os.umask(old)

    def mode(name):
        return stat.S_IMODE(os.stat(tmp_path / name).st_mode)
    assert mode('a.bin') == mode('b.hdf5') == mode('plain.bin') == 0o640
    assert mode('out') == mode('plain') == 0o750
    assert (tmp_path / 'a.bin').read_bytes() == b'x'
    assert sorted(os.listdir(tmp_path)) == ['a.bin', 'b.hdf5', 'out', 'plain', 'plain.bin']
