"""``kill -9`` at a chosen point of a run, for the interruption tests: put this folder on
PYTHONPATH and set ANOMSEG_KILL_ON=REGEX:N. The process then counts the files and folders it
starts to write whose path matches REGEX (opening for writing, creating, renaming onto a path)
and kills itself with SIGKILL at the N-th, before that write happens. Child processes (workers)
are left alone."""
import os

_SPEC = os.environ.get('ANOMSEG_KILL_ON')
if _SPEC and os.environ.setdefault('ANOMSEG_KILL_PID', str(os.getpid())) == str(os.getpid()):
    import builtins
    import io
    import re
    import signal

    _pattern, _n = _SPEC.rsplit(':', 1)
    _regex, _left = re.compile(_pattern), [int(_n)]

    def _event(path):
        if os.getpid() == int(os.environ['ANOMSEG_KILL_PID']) and \
                _regex.search(os.fsdecode(path) if isinstance(path, (str, bytes)) else ''):
            _left[0] -= 1
            if _left[0] <= 0:
                os.kill(os.getpid(), signal.SIGKILL)

    def _wrap(real, path_arg, writes):
        def call(*args, **kwargs):
            if writes(args, kwargs):
                _event(args[path_arg] if len(args) > path_arg else '')
            return real(*args, **kwargs)
        return call

    def _open_writes(args, kwargs):
        mode = args[1] if len(args) > 1 else kwargs.get('mode', 'r')
        return isinstance(mode, str) and any(c in mode for c in 'wax+')

    builtins.open = io.open = _wrap(io.open, 0, _open_writes)
    os.open = _wrap(os.open, 0, lambda a, k: bool((a[1] if len(a) > 1 else k.get('flags', 0))
                                                  & os.O_CREAT))
    os.mkdir = _wrap(os.mkdir, 0, lambda a, k: True)
    os.replace = _wrap(os.replace, 1, lambda a, k: True)
    os.rename = _wrap(os.rename, 1, lambda a, k: True)
