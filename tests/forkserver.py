"""Run command-line entry points as separate processes without paying torch's and mmseg's import
time for each: one server process imports them once, then forks a child per request, which runs
the script as ``__main__`` with its own stdout/stderr and exit status, as the shell would.

Protocol (the server is ``python -m tests.forkserver``): one JSON line per request on stdin,
``{"script": PATH, "argv": [...], "cwd": DIR, "env": {...}}``, answered by one JSON line
``{"rc": N, "stdout": TEXT, "stderr": TEXT}``. ``ForkServer`` is the client.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

PRELOAD = ('torch', 'cv2', 'h5py', 'mmengine.runner', 'mmseg.apis', 'mmseg.models',
           'anomseg', 'anomseg.apis')


def _child(request, out_path, err_path):
    import runpy
    import traceback
    for fd, path in ((1, out_path), (2, err_path)):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), fd)
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__  # the server printed to stderr
    os.chdir(request['cwd'])
    os.environ.update(request.get('env') or {})
    sys.argv = [request['script'], *request['argv']]
    sys.path.insert(0, os.path.dirname(os.path.abspath(request['script'])))
    code = 0
    try:
        runpy.run_path(request['script'], run_name='__main__')
    except SystemExit as stop:
        if isinstance(stop.code, int):
            code = stop.code
        elif stop.code is not None:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001  (an uncaught error: the interpreter's traceback)
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def serve(timeout=600):
    import importlib
    for name in PRELOAD:
        importlib.import_module(name)
    reply = sys.stdout
    sys.stdout = sys.stderr
    print(json.dumps(dict(ready=True)), file=reply, flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        with tempfile.TemporaryDirectory() as tmp:
            out, err = os.path.join(tmp, 'out'), os.path.join(tmp, 'err')
            pid = os.fork()
            if pid == 0:
                _child(request, out, err)
            deadline = time.monotonic() + timeout
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                if time.monotonic() > deadline:
                    os.kill(pid, 9)
                    done, status = os.waitpid(pid, 0)
                    break
                time.sleep(0.02)
            rc = os.waitstatus_to_exitcode(status)
            with open(out, errors='replace') as fo, open(err, errors='replace') as fe:
                answer = dict(rc=rc, stdout=fo.read(), stderr=fe.read())
        print(json.dumps(answer), file=reply, flush=True)


class ForkServer:
    """Client: ``run(script, *argv, cwd=..., env=...)`` -> (rc, stdout, stderr)."""

    def __init__(self, cwd):
        self.cwd = cwd
        self.proc = subprocess.Popen([sys.executable, '-m', 'tests.forkserver'], cwd=cwd,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, 'PYTHONUNBUFFERED': '1'})
        assert json.loads(self.proc.stdout.readline()) == dict(ready=True)

    def run(self, script, *argv, cwd=None, env=None):
        request = dict(script=script, argv=[str(a) for a in argv], cwd=str(cwd or self.cwd),
                       env=env or {})
        self.proc.stdin.write(json.dumps(request) + '\n')
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        return answer['rc'], answer['stdout'], answer['stderr']

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


if __name__ == '__main__':
    serve()
