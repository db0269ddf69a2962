"""TrimHeapHook gives a fragmented heap's free pages back on its interval, and only then: measured
as resident memory in a fresh process, whose heap the test fragments itself."""
import json
import os
import subprocess
import sys

import pytest

from anomseg.engine.hooks.trim_heap_hook import TrimHeapHook, glibc_malloc_trim

FRAGMENT = r'''
import json
import resource
import numpy as np
from anomseg.engine.hooks.trim_heap_hook import TrimHeapHook

def rss_mib():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

np.ones(4 << 20, np.uint8)  # freed at once: glibc's mmap threshold rises to 4 MiB
big, pins = [], []
for _ in range(64):  # 2 MiB buffers from the heap, each followed by a live 256 KiB one
    big.append(np.ones(2 << 20, np.uint8))
    pins.append(np.ones(256 << 10, np.uint8))
del big  # 128 MiB of free chunks between live ones: they stay resident
hook = TrimHeapHook(interval=3)
rss = [rss_mib()]
for batch_idx in range(3):
    hook.after_test_iter(None, batch_idx)
    rss.append(rss_mib())
print(json.dumps(rss))
'''


@pytest.mark.skipif(glibc_malloc_trim() is None, reason='the C library is not glibc')
@pytest.mark.parametrize('tuned', [False, True], ids=['glibc defaults', 'make settings'])
def test_free_heap_pages_go_back_every_interval_iterations(tuned):
    env = {k: v for k, v in os.environ.items() if not k.startswith('MALLOC_')}
    if tuned:  # the Makefile's settings for fast CPU training: no automatic trimming at all
        env.update(MALLOC_MMAP_THRESHOLD_='4294967296', MALLOC_TRIM_THRESHOLD_='68719476736',
                   MALLOC_TOP_PAD_='1073741824')
    out = subprocess.run([sys.executable, '-c', FRAGMENT], env=env, capture_output=True,
                         text=True, check=True).stdout
    rss = json.loads(out.splitlines()[-1])
    assert abs(rss[2] - rss[0]) < 8, rss  # iterations 1 and 2 of 3: nothing released
    assert rss[0] - rss[3] > 96, rss      # the 3rd: most of the 128 MiB freed


@pytest.mark.parametrize('interval', [0, -1, 2.5, True])
def test_interval_must_be_a_positive_int(interval):
    with pytest.raises(ValueError, match='interval'):
        TrimHeapHook(interval=interval)
