"""A headless Chromium driven over the DevTools protocol through a pipe
(``--remote-debugging-pipe``: JSON messages ending in a NUL byte on file descriptors 3 and 4), so
the browser tests need nothing but the browser itself."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time


def find_chromium():
    for name in ('chromium', 'chromium-browser', 'google-chrome', 'chrome'):
        path = shutil.which(name)
        if path:
            return path
    return None


class Chromium:
    """``open(url)`` a page, ``evaluate(js)``, ``screenshot(path)``; ``console_errors`` collects
    console errors, uncaught exceptions and failed loads reported by the page."""

    def __init__(self, executable, width=1400, height=1000, timeout=60):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix='anomseg-chromium-')
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire():  # the browser reads fd 3 and writes fd 4; move ours out of the way first
            high = [os.dup(fd) for fd in (to_browser_r, from_browser_w)]
            os.dup2(high[0], 3)  # inheritable; every other descriptor closes on exec
            os.dup2(high[1], 4)

        self.proc = subprocess.Popen(
            [executable, '--headless=new', '--no-sandbox', '--disable-gpu',
             '--disable-dev-shm-usage', '--no-first-run', '--remote-debugging-pipe',
             f'--user-data-dir={self.profile}', f'--window-size={width},{height}',
             'about:blank'],
            close_fds=False, preexec_fn=wire,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer, self._next_id, self.events = b'', 0, []
        target = self.call('Target.createTarget', url='about:blank')['targetId']
        self.session = self.call('Target.attachToTarget', targetId=target,
                                 flatten=True)['sessionId']
        for domain in ('Page', 'Runtime', 'Log'):
            self.call(f'{domain}.enable', session=True)
        self.call('Emulation.setDeviceMetricsOverride', session=True, width=width,
                  height=height, deviceScaleFactor=1, mobile=False)

    def _read_message(self, deadline):
        while b'\0' not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError('no answer from Chromium')
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise ConnectionError('Chromium closed the pipe')
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b'\0', 1)
        return json.loads(message)

    def call(self, method, session=False, **params):
        self._next_id += 1
        message = dict(id=self._next_id, method=method, params=params)
        if session:
            message['sessionId'] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b'\0')
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get('id') == self._next_id:
                if 'error' in reply:
                    raise RuntimeError(f'{method}: {reply["error"]}')
                return reply.get('result', {})
            self.events.append(reply)

    def wait_for(self, method):
        deadline = time.monotonic() + self.timeout
        for event in self.events:
            if event.get('method') == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get('method') == method:
                return event

    def open(self, url):
        self.events = []
        self.call('Page.navigate', session=True, url=url)
        self.wait_for('Page.loadEventFired')

    def evaluate(self, expression):
        """The value of a JavaScript expression (promises awaited)."""
        result = self.call('Runtime.evaluate', session=True, expression=expression,
                           returnByValue=True, awaitPromise=True)
        if 'exceptionDetails' in result:
            raise RuntimeError(f'{expression[:80]}...: {result["exceptionDetails"]}')
        return result['result'].get('value')

    @property
    def console_errors(self):
        errors = []
        for event in self.events:
            method, params = event.get('method'), event.get('params', {})
            if method == 'Runtime.exceptionThrown':
                errors.append(params['exceptionDetails'].get('text'))
            elif method == 'Runtime.consoleAPICalled' and params.get('type') == 'error':
                errors.append(' '.join(str(a.get('value')) for a in params.get('args', [])))
            elif method == 'Log.entryAdded' and params['entry'].get('level') == 'error':
                errors.append(params['entry'].get('text'))
        return errors

    def screenshot(self, path):
        data = self.call('Page.captureScreenshot', session=True, format='png')['data']
        with open(path, 'wb') as fh:
            fh.write(base64.b64decode(data))

    def close(self):
        try:
            self.call('Browser.close')
        except (OSError, ConnectionError, TimeoutError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self._to_browser)
        os.close(self._from_browser)
        shutil.rmtree(self.profile, ignore_errors=True)
