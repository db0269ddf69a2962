import ctypes

from mmengine.hooks import Hook
from mmseg.registry import HOOKS


def glibc_malloc_trim():
    """glibc's ``malloc_trim(pad)``, or None where the process's C library has none (macOS,
    musl, Windows)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


@HOOKS.register_module()
class TrimHeapHook(Hook):
    """Hands the C heap's free memory back to the operating system every ``interval`` test and
    validation iterations, so that evaluating full-size frames runs in memory nearly flat in
    their number.

    Each frame allocates full-size buffers of several sizes (maps, labels, sorted scores, the
    written outputs: 2-16 MiB at 2048x1024) and frees them. glibc serves such sizes from its
    main heap once the first has been freed (its mmap threshold then rises to them), and the
    heap fragments: freed chunks between live ones stay resident, and a new buffer that fits
    none of them extends the heap. The resident size then grows with the number of frames
    though nothing leaks (``malloc_info``: the heap's free chunks grew from 62 to 204 MB over
    400 frames of ``tools/test.py --out``). ``malloc_trim(0)`` releases the free pages
    wherever they lie in the heap (``MADV_DONTNEED``), which bounds the growth to what
    ``interval`` frames add; each call costs the page faults of touching the released pages
    again. docs/performance.md has the measurements. Where the C library is not glibc the hook
    does nothing.
    """
    priority = 'LOWEST'

    def __init__(self, interval=10):
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f'TrimHeapHook: interval must be a positive int, got {interval!r}')
        self.interval = interval
        self._trim = glibc_malloc_trim()

    def _trim_on_interval(self, batch_idx):
        if self._trim is not None and self.every_n_inner_iters(batch_idx, self.interval):
            self._trim(0)

    def after_val_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._trim_on_interval(batch_idx)

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self._trim_on_interval(batch_idx)
