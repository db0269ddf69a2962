"""The asset fetcher against a local HTTP server on 127.0.0.1 serving files of ../shared:
resume after a dropped connection, a corrupted file, a missing file, no server at all."""
import hashlib
import http.server
import os
import os.path as osp
import socket
import subprocess
import sys
import threading
import zipfile

import pytest

from anomseg.assets import ASSETS, AssetError, asset_path, cache_root, local_path
from tests.conftest import REPO, shared_path

SHARED = shared_path()  # read before the tests hide it


def require_shared(rel):
    path = osp.join(SHARED, rel)
    if not osp.exists(path):
        pytest.skip(f'{path} is absent: set ANOMSEG_SHARED to the shared data folder')
    return path


class Handler(http.server.BaseHTTPRequestHandler):
    """GET /MODE/NAME with Range support. MODE: ok; drop (first request of a file stops after
    a third of it); corrupt (one byte flipped); norange (ignores Range)."""
    files = {}  # name -> bytes
    log = []  # (path, Range header)
    dropped = set()

    def log_message(self, *args):
        pass

    def do_GET(self):
        mode, _, name = self.path.strip('/').partition('/')
        self.log.append((self.path, self.headers.get('Range')))
        if name not in self.files:
            self.send_error(404, 'Not Found')
            return
        data = self.files[name]
        if mode == 'corrupt':
            data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
        start = 0
        rng = self.headers.get('Range')
        if rng and mode != 'norange':
            start = int(rng.split('=')[1].split('-')[0])
            if start >= len(data):
                self.send_error(416, 'Range Not Satisfiable')
                return
            self.send_response(206)
            self.send_header('Content-Range', f'bytes {start}-{len(data) - 1}/{len(data)}')
        else:
            self.send_response(200)
        self.send_header('Content-Length', str(len(data) - start))
        self.end_headers()
        body = data[start:]
        if mode == 'drop' and name not in self.dropped:
            self.dropped.add(name)
            self.wfile.write(body[:len(body) // 3])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    Handler.files, Handler.log, Handler.dropped = {}, [], set()
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f'http://127.0.0.1:{httpd.server_address[1]}'
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def no_shared(tmp_path, monkeypatch):
    """Nothing under ANOMSEG_SHARED, an empty cache: every asset must be downloaded."""
    monkeypatch.setenv('ANOMSEG_SHARED', str(tmp_path / 'no-shared'))
    monkeypatch.setenv('ANOMSEG_DATA', str(tmp_path / 'cache'))
    return tmp_path


def serve_weights(name='mobilenet_v2'):
    src = require_shared(ASSETS[name].shared)
    data = open(src, 'rb').read()
    Handler.files[ASSETS[name].filename] = data
    return data


def test_shared_folder_comes_first_and_nothing_downloads(server, monkeypatch):
    src = require_shared(ASSETS['mobilenet_v2'].shared)
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/ok')
    assert asset_path('mobilenet_v2') == src and Handler.log == []


def test_download_verifies_and_lands_in_the_cache(server, no_shared, monkeypatch):
    data = serve_weights()
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/ok')
    path = asset_path('mobilenet_v2', progress=False)
    assert path == osp.join(cache_root(), 'mobilenet_v2', 'mobilenet_v2-b0353104.pth')
    assert open(path, 'rb').read() == data
    assert hashlib.sha256(data).hexdigest() == ASSETS['mobilenet_v2'].sha256
    assert os.listdir(osp.join(cache_root(), 'downloads')) == ['mobilenet_v2-b0353104.pth'
                                                               '.part.lock']
    asset_path('mobilenet_v2')  # cached: no second request
    assert len(Handler.log) == 1


def test_a_dropped_connection_resumes_with_range(server, no_shared, monkeypatch):
    data = serve_weights()
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/drop')
    path = asset_path('mobilenet_v2', progress=False)
    assert open(path, 'rb').read() == data
    (_, first), (_, second) = Handler.log
    assert first is None and second == f'bytes={(len(data)) // 3}-'


def test_a_partial_file_from_an_earlier_run_resumes(server, no_shared, monkeypatch):
    data = serve_weights()
    part = osp.join(cache_root(), 'downloads', 'mobilenet_v2-b0353104.pth.part')
    os.makedirs(osp.dirname(part))
    open(part, 'wb').write(data[:5000])
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/ok')
    assert open(asset_path('mobilenet_v2', progress=False), 'rb').read() == data
    assert Handler.log == [('/ok/mobilenet_v2-b0353104.pth', 'bytes=5000-')]


def test_a_server_that_ignores_range_restarts_the_file(server, no_shared, monkeypatch):
    data = serve_weights()
    part = osp.join(cache_root(), 'downloads', 'mobilenet_v2-b0353104.pth.part')
    os.makedirs(osp.dirname(part))
    open(part, 'wb').write(b'x' * 5000)  # wrong bytes: appending would corrupt the file
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/norange')
    assert open(asset_path('mobilenet_v2', progress=False), 'rb').read() == data


def test_a_wrong_sum_is_refused_and_nothing_is_left(server, no_shared, monkeypatch):
    serve_weights()
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/corrupt')
    with pytest.raises(AssetError, match=r'mobilenet_v2: the file from http://127\.0\.0\.1:\d+'
                       r'/corrupt/mobilenet_v2-b0353104\.pth has SHA-256 [0-9a-f]{64}, '
                       r'expected b0353104'):
        asset_path('mobilenet_v2', progress=False)
    assert local_path('mobilenet_v2') is None
    assert not any(f.endswith('.part') for f in os.listdir(osp.join(cache_root(), 'downloads')))


def test_a_missing_file_names_the_address_and_the_way_out(server, no_shared, monkeypatch):
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/ok')
    with pytest.raises(AssetError, match=r'espnetv2_cityscapes: http://127\.0\.0\.1:\d+/ok/'
                       r'espnetv2_s_2\.0_city_1024x512\.pth answered 404 .*put it at .*'
                       r'weights/espnetv2_s_2\.0_city_1024x512\.pth'):
        asset_path('espnetv2_cityscapes', progress=False)
    assert local_path('espnetv2_cityscapes') is None


def test_no_network_is_a_clear_error(no_shared, monkeypatch):
    with socket.socket() as s:  # a port with nobody listening
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'http://127.0.0.1:{port}')
    with pytest.raises(AssetError, match=r'mobilenet_v2 \(.*\) is not here and http://127\.0\.0\.1:'
                       r'\d+/mobilenet_v2-b0353104\.pth cannot be reached \(.*refused.*\): '
                       r'download https://download\.pytorch\.org/models/mobilenet_v2-b0353104'
                       r'\.pth and put it at .*/weights/mobilenet_v2-b0353104\.pth'):
        asset_path('mobilenet_v2', progress=False)


def test_an_unreachable_archive_is_one_line_saying_what_to_download_and_where(no_shared,
                                                                              tmp_path):
    """The demo's data with no shared folder and no network: one line, exit code 2, naming the
    archive's official address and the folder its contents go to."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    env = {**os.environ, 'ANOMSEG_ASSET_MIRROR': f'http://127.0.0.1:{port}'}
    proc = subprocess.run([sys.executable, 'tools/fetch_assets.py', 'road_anomaly'], cwd=REPO,
                          env=env, capture_output=True, text=True)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    asset = ASSETS['road_anomaly']
    assert f'download {asset.url} and unpack it so that its folder {asset.root}/ becomes ' \
           f'{tmp_path}/no-shared/{asset.shared}/' in lines[0]
    assert lines[0].endswith('(--debug shows the traceback)')


@pytest.mark.slow
def test_an_archive_is_verified_file_by_file_and_moved_in_whole(server, no_shared, monkeypatch,
                                                                tmp_path):
    src = require_shared(ASSETS['road_anomaly'].shared)
    zpath = tmp_path / 'RoadAnomaly_jpg.zip'
    with zipfile.ZipFile(zpath, 'w') as z:
        for d, _, files in os.walk(src):
            for f in files:
                z.write(osp.join(d, f), osp.join('RoadAnomaly_jpg', osp.relpath(osp.join(d, f),
                                                                                src)))
    Handler.files['RoadAnomaly_jpg.zip'] = zpath.read_bytes()
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/drop')
    path = asset_path('road_anomaly', progress=False)
    assert path == osp.join(cache_root(), 'road_anomaly', 'RoadAnomaly_jpg')
    got = sorted(osp.relpath(osp.join(d, f), path) for d, _, fs in os.walk(path) for f in fs)
    want = sorted(osp.relpath(osp.join(d, f), src) for d, _, fs in os.walk(src) for f in fs)
    assert got == want and len(got) > 100
    assert sorted(os.listdir(cache_root())) == ['downloads', 'road_anomaly']  # no staging left

    # An archive with one frame altered is refused as a whole.
    monkeypatch.setenv('ANOMSEG_DATA', str(tmp_path / 'cache2'))
    altered = tmp_path / 'altered.zip'
    with zipfile.ZipFile(zpath) as zin, zipfile.ZipFile(altered, 'w') as zout:
        victim = next(i.filename for i in zin.infolist() if i.filename.endswith('.jpg'))
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item, data + b'x' if item.filename == victim else data)
    Handler.files['RoadAnomaly_jpg.zip'] = altered.read_bytes()
    monkeypatch.setenv('ANOMSEG_ASSET_MIRROR', f'{server}/ok')
    with pytest.raises(AssetError, match=rf'road_anomaly: 1 of \d+ files .* differ .*'
                       rf'\(first: {victim}\)'):
        asset_path('road_anomaly', progress=False)
    assert local_path('road_anomaly') is None
    assert sorted(os.listdir(cache_root())) == ['downloads']


@pytest.mark.slow
def test_the_quickstart_assets_come_from_the_server_when_shared_is_hidden(server, no_shared,
                                                                          tmp_path):
    """`make quickstart`'s first step with no ../shared: fetch, then convert the backbone."""
    serve_weights()
    env = {**os.environ, 'ANOMSEG_ASSET_MIRROR': f'{server}/drop'}
    out = subprocess.run([sys.executable, 'tools/fetch_assets.py', 'quickstart', '--print-path'],
                         cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout
    src = out.strip()
    assert src.startswith(str(tmp_path / 'cache')) and osp.isfile(src)
    dst = str(tmp_path / 'mnv2_mmseg.pth')
    subprocess.run([sys.executable, 'tools/model_converters/mobilenetv2_torchvision2mmseg.py',
                    src, dst], cwd=REPO, env=env, check=True, capture_output=True)
    assert osp.getsize(dst) > 1e6
    failed = subprocess.run([sys.executable, 'tools/fetch_assets.py', 'nothing'], cwd=REPO,
                            env=env, capture_output=True, text=True)
    assert failed.returncode == 2 and "unknown asset or target 'nothing'" in failed.stderr
    assert 'Traceback' not in failed.stderr
