"""tools/submit.py check-oodis: a zip from any source, checked by the OoDIS rules before upload."""
import subprocess
import sys
import zipfile

from anomseg.submission import write_oodis_submission
from tests.conftest import REPO
from tests.test_submission.test_oodis import small_benchmarks, small_list


def check(*args):
    return subprocess.run([sys.executable, 'tools/submit.py', 'check-oodis', *map(str, args)],
                          cwd=REPO, capture_output=True, text=True)


def test_check_oodis_passes_a_good_zip_and_names_a_bad_one(tmp_path):
    expected = small_list(tmp_path)
    good = write_oodis_submission(small_benchmarks(), str(tmp_path / 'sub'),
                                  expected_files=expected)
    proc = check(good, '--expected-files', expected)
    assert proc.returncode == 0 and 'passes the OoDIS submission rules' in proc.stdout
    bad = tmp_path / 'no_dirs.zip'     # the same files without folder entries
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, 'w') as zout:
        for info in zin.infolist():
            if not info.is_dir():
                zout.writestr(info.filename, zin.read(info.filename))
    proc = check(bad, '--expected-files', expected)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1
    assert lines[0].startswith(f'submit.py: error: {bad}: 1 problems: folder entries []')
    # the official list by default: this small zip misses 2747 of its frames
    proc = check(good)
    assert proc.returncode == 2 and '2747 expected txt files missing' in proc.stderr
