"""Find an asset locally or download it from its official address, verified.

Where an asset is looked for, in order:

1. ``$ANOMSEG_SHARED/<shared>`` (default ``../shared`` beside the repository): read, never
   written;
2. the cache, ``$ANOMSEG_DATA/<name>/`` (default ``$XDG_CACHE_HOME/anomseg`` or
   ``~/.cache/anomseg``): only complete, verified assets are ever moved there;
3. otherwise it is downloaded from its address (``$ANOMSEG_ASSET_MIRROR/<file name>`` instead
   when that is set, e.g. an institute's mirror) into ``<cache>/downloads/<file>.part``. A broken
   download resumes from where it stopped (HTTP Range; also across runs), the file's SHA-256 (or
   each extracted file's, for archives) is checked against the pinned value, and only then is
   the asset moved into place with one rename.

Failures raise :class:`AssetError` naming the asset, the address and what to do.
"""
import fcntl
import http.client
import json
import os
import os.path as osp
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

from tqdm import tqdm

from anomseg.utils.checkpoint import file_sha256
from anomseg.utils.errors import InputError
from anomseg.utils.paths import shared_root

from .catalog import ASSETS, TARGETS

CHUNK = 1 << 20
ATTEMPTS = 4  # a dropped connection resumes this many times within one call


class AssetError(InputError):
    """An asset could not be found or downloaded; the message says which, from where, and what
    to do."""


def put_it_here(asset):
    """What to download and where to put it by hand: a file at its shared path; an archive
    unpacked so that its folder becomes the shared folder."""
    target = osp.join(shared_root(), asset.shared)
    if asset.kind == 'zip':
        return (f'download {asset.url} and unpack it so that its folder {asset.root}/ becomes '
                f'{target}/')
    return f'download {asset.url} and put it at {target}'


def cache_root():
    return osp.abspath(os.environ.get('ANOMSEG_DATA') or osp.join(
        os.environ.get('XDG_CACHE_HOME') or osp.expanduser('~/.cache'), 'anomseg'))


def asset_url(asset):
    mirror = os.environ.get('ANOMSEG_ASSET_MIRROR')
    return f'{mirror.rstrip("/")}/{asset.filename}' if mirror else asset.url


def manifest(asset):
    """{relative path: SHA-256} of an archive asset's files."""
    with open(osp.join(osp.dirname(__file__), 'manifests', f'{asset.name}.json')) as f:
        return json.load(f)


def names_of(targets):
    """Asset names of targets ('demo') and asset names, in order, without repeats."""
    out = []
    for t in targets:
        if t not in TARGETS and t not in ASSETS:
            raise AssetError(f'unknown asset or target {t!r}; targets: {", ".join(TARGETS)}; '
                             f'assets: {", ".join(ASSETS)}')
        for name in TARGETS.get(t, [t]):
            if name not in out:
                out.append(name)
    return out


def local_path(name):
    """Where the asset lies now (shared folder first, then the cache), or None."""
    asset = ASSETS[name]
    shared = osp.join(shared_root(), asset.shared)
    if osp.exists(shared):
        return shared
    cached = osp.join(cache_root(), name, asset.filename if asset.kind == 'file' else asset.root)
    return cached if osp.exists(cached) else None


def asset_path(name, download=True, progress=True):
    """Local path of asset ``name``, downloading it first when it is nowhere here."""
    if name not in ASSETS:
        raise AssetError(f'unknown asset {name!r}; known: {", ".join(ASSETS)}')
    path = local_path(name)
    if path is not None:
        return path
    asset = ASSETS[name]
    if not download:
        raise AssetError(f'{name} ({asset.what}) is not under $ANOMSEG_SHARED '
                         f'({osp.join(shared_root(), asset.shared)}) nor in the cache '
                         f'({cache_root()}); fetch it with `python tools/fetch_assets.py {name}`')
    return _download(asset, progress)


def _download(asset, progress):
    url = asset_url(asset)
    downloads = osp.join(cache_root(), 'downloads')
    os.makedirs(downloads, exist_ok=True)
    part = osp.join(downloads, asset.filename + '.part')
    with open(part + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process may be fetching the same file
        path = local_path(asset.name)
        if path is not None:
            return path
        _fetch_resuming(asset, url, part, progress)
        final = osp.join(cache_root(), asset.name)
        if asset.kind == 'file':
            digest = file_sha256(part)
            if digest != asset.sha256:
                os.remove(part)
                raise AssetError(
                    f'{asset.name}: the file from {url} has SHA-256 {digest}, expected '
                    f'{asset.sha256}; it was deleted. The address may serve another version or '
                    f'a broken file: try again, or {put_it_here(asset)}')
            os.makedirs(final, exist_ok=True)
            os.replace(part, osp.join(final, asset.filename))
        else:
            _install_archive(asset, url, part, final)
    return local_path(asset.name)


def _fetch_resuming(asset, url, part, progress):
    for attempt in range(1, ATTEMPTS + 1):
        have = osp.getsize(part) if osp.exists(part) else 0
        request = urllib.request.Request(url, headers={'User-Agent': 'anomseg'})
        if have:
            request.add_header('Range', f'bytes={have}-')
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                if have and response.status != 206:
                    have = 0  # the server ignores Range: start over
                total = _total_size(response, have) or asset.size or None
                with open(part, 'ab' if have else 'wb') as out:
                    _copy(response, out, have, total, asset.filename if progress else None)
            if total is None or osp.getsize(part) >= total:
                return
        except urllib.error.HTTPError as err:
            if err.code == 416 and have:  # asked past the end: the file is complete
                return
            raise AssetError(
                f'{asset.name}: {url} answered {err.code} {err.reason}. The file may have '
                f'moved: look for {asset.filename} ({asset.what}) and put it where '
                f'"{put_it_here(asset)}" says, or set ANOMSEG_ASSET_MIRROR to a mirror that '
                'serves it') from None
        except urllib.error.URLError as err:
            raise AssetError(
                f'{asset.name} ({asset.what}) is not here and {url} cannot be reached '
                f'({err.reason}): {put_it_here(asset)}; or check the network or proxy '
                f'(HTTPS_PROXY), or set ANOMSEG_ASSET_MIRROR') from None
        except (http.client.IncompleteRead, ConnectionError, TimeoutError, OSError) as err:
            if attempt == ATTEMPTS:
                raise AssetError(
                    f'{asset.name}: the download from {url} broke off {ATTEMPTS} times '
                    f'({err!r}); run the command again to resume from '
                    f'{osp.getsize(part) if osp.exists(part) else 0} bytes') from None
            time.sleep(0.5 * attempt)
    raise AssetError(f'{asset.name}: the download from {url} stayed incomplete after '
                     f'{ATTEMPTS} attempts; run the command again to resume')


def _total_size(response, have):
    length = response.headers.get('Content-Length')
    return have + int(length) if length is not None else None


def _copy(response, out, have, total, label):
    """Append the response to ``out``; a short read raises IncompleteRead (resumed above)."""
    done = have
    with tqdm(total=total, initial=have, unit='B', unit_scale=True, unit_divisor=1024,
              desc=label, disable=label is None, file=sys.stderr) as bar:
        for block in iter(lambda: response.read(CHUNK), b''):
            out.write(block)
            done += len(block)
            bar.update(len(block))
    if total is not None and done < total:
        raise http.client.IncompleteRead(b'', total - done)


def _install_archive(asset, url, part, final):
    expected = manifest(asset)
    staging = tempfile.mkdtemp(prefix=f'.{asset.name}-', dir=cache_root())
    try:
        try:
            with zipfile.ZipFile(part) as archive:
                archive.extractall(staging)
        except zipfile.BadZipFile:
            os.remove(part)
            raise AssetError(f'{asset.name}: the file from {url} is not a zip archive; it was '
                             'deleted: try again') from None
        root = osp.join(staging, asset.root)
        bad = [rel for rel, digest in expected.items()
               if not osp.isfile(osp.join(root, rel)) or file_sha256(osp.join(root, rel)) != digest]
        if bad:
            os.remove(part)
            raise AssetError(f'{asset.name}: {len(bad)} of {len(expected)} files of the archive '
                             f'from {url} are missing or differ from the pinned sums (first: '
                             f'{asset.root}/{bad[0]}); it was deleted: try again')
        os.makedirs(final, exist_ok=True)
        os.replace(root, osp.join(final, asset.root))
        os.remove(part)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
