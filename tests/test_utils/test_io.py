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


def test_stale_temporaries_of_dead_processes_go_and_live_ones_stay(tmp_path):
    import subprocess
    import sys
    dead = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                          capture_output=True, text=True).stdout.strip()
    live = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])
    try:
        (tmp_path / f'.a.bin-{dead}-x1').write_bytes(b'half')       # a killed write
        os.mkdir(tmp_path / f'.out-{dead}-x2')                       # a killed folder
        (tmp_path / f'.a.bin-{live.pid}-x3').write_bytes(b'busy')    # another run, still going
        (tmp_path / '.a.bin-notes').write_bytes(b'not ours')
        write_bytes_atomic(str(tmp_path / 'a.bin'), b'x')
        with atomic_output_dir(str(tmp_path / 'out')) as tmp:
            open(os.path.join(tmp, 'f'), 'w').close()
        assert sorted(os.listdir(tmp_path)) == sorted(
            [f'.a.bin-{live.pid}-x3', '.a.bin-notes', 'a.bin', 'out'])
    finally:
        live.kill()
        live.wait()


def test_unwritable_outputs_and_outputs_inside_inputs_are_refused(tmp_path):
    import pytest

    from anomseg.utils import check_output_writable, check_outside
    (tmp_path / 'file').write_text('x')
    with pytest.raises(NotADirectoryError, match='is a file, not a folder'):
        check_output_writable(str(tmp_path / 'file' / 'out'))
    check_output_writable(str(tmp_path / 'new' / 'deeper'))
    assert sorted(os.listdir(tmp_path)) == ['file']          # the probe leaves nothing
    os.mkdir(tmp_path / 'data')
    with pytest.raises(ValueError, match='lies inside the source'):
        check_outside([str(tmp_path / 'data')], str(tmp_path / 'data' / 'x' / 'out'))
    check_outside([str(tmp_path / 'data')], str(tmp_path / 'data2'))


def test_a_folder_is_listed_once_however_many_files_go_into_it(tmp_path, monkeypatch):
    """A long video writes thousands of files into one folder; listing it at every write made
    8000 writes take 11.1 s instead of 0.8 s."""
    import anomseg.utils.io as io_module
    calls = []
    listdir = os.listdir
    monkeypatch.setattr(io_module.os, 'listdir', lambda p: calls.append(p) or listdir(p))
    for i in range(50):
        write_bytes_atomic(str(tmp_path / f'f{i}.bin'), b'x')
    assert calls == [str(tmp_path)]
