"""Wall time, peak memory and peak temporary disk of one command, run as a child process;
and the sections of docs/performance.md that the benchmark scripts write."""
import os
import os.path as osp
import re
import subprocess
import tempfile
import threading
import time


def folder_bytes(root):
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(osp.join(folder, name)).st_size
            except FileNotFoundError:  # removed while we looked
                pass
    return total


def run_measured(cmd, log_path, env=None, poll_s=0.2):
    """Run ``cmd``; returns dict(seconds, peak_mib: the largest resident set of the command or of
    any process it forked and waited for, e.g. a data-loading worker (os.wait4's ru_maxrss is
    that maximum), tmp_mib: the largest its temporary folder (a fresh $TMPDIR) got, sampled every
    ``poll_s``). stdout and stderr go to ``log_path``; a failure raises with its tail."""
    with tempfile.TemporaryDirectory(prefix='anomseg-bench-tmp-') as tmp, \
            open(log_path, 'w') as log:
        env = dict(os.environ if env is None else env, TMPDIR=tmp)
        peak_tmp, done = [0], threading.Event()

        def sample():
            while not done.wait(poll_s):
                peak_tmp[0] = max(peak_tmp[0], folder_bytes(tmp))

        watcher = threading.Thread(target=sample, daemon=True)
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        done.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        with open(log_path) as fh:
            tail = fh.read()[-3000:]
        raise RuntimeError(f'{" ".join(cmd)} failed ({proc.returncode}):\n{tail}')
    return dict(seconds=seconds, peak_mib=usage.ru_maxrss / 1024, tmp_mib=peak_tmp[0] / 2**20)


def docs_section(name):
    """The pattern of a docs section: (``<!-- NAME -->`` and its newline, what lies between,
    ``<!-- /NAME -->``)."""
    return re.compile(rf'(<!-- {re.escape(name)} -->\n)(.*?)(<!-- /{re.escape(name)} -->)', re.S)


def read_docs_section(path, name):
    """What lies between ``<!-- NAME -->`` and ``<!-- /NAME -->`` in ``path`` ('' without the
    section)."""
    with open(path) as fh:
        found = docs_section(name).search(fh.read())
    return found.group(2) if found else ''


def write_docs_section(path, name, text):
    """Replace what lies between ``<!-- NAME -->`` and ``<!-- /NAME -->`` in ``path`` (the
    markers stay; both must be there)."""
    with open(path) as fh:
        doc = fh.read()
    pattern = docs_section(name)
    if not pattern.search(doc):
        raise SystemExit(f'{path}: no <!-- {name} --> ... <!-- /{name} --> section to write')
    doc = pattern.sub(lambda m: m.group(1) + text.rstrip('\n') + '\n' + m.group(3), doc)
    tmp = path + '.tmp'
    with open(tmp, 'w') as fh:
        fh.write(doc)
    os.replace(tmp, path)
