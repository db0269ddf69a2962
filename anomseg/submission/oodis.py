"""OoDIS (anomaly instance segmentation, Nekrasov et al. 2024) submissions, in the layout the
benchmark's own ``verify_submission.py`` and scoring programs accept
(github.com/kumuji/anomaly-benchmark-suite):

- one zip; at its root a folder entry for each benchmark (``fishyscapes/``, ``roadanomaly/``,
  ``roadobstacle/``), the COCO detection results ``<benchmark>.json`` and an optional
  ``description.txt`` of ``key: value`` lines (``name``, ``paper_link``, ``code_link``);
- per expected frame ``<benchmark>/<stem>_instanceIds_pred.txt`` (cityscapesScripts' instance
  format): one line per predicted instance, ``<mask png> <label id> <confidence>``, the masks as
  binary PNGs ``<stem>_instanceIds_<N>_1.png`` beside it. Fishyscapes frames are LostAndFound
  frames, named ``<city>_<seq>_<frame>_gtCoarse``; the others keep their image's name;
- every txt names at least one mask, and every mask is named by a txt;
- the detection results' ``image_id`` is the frame's image file name (``<city>_<seq>_<frame>
  _leftImg8bit.png``, ``<name>.png``).

``oodis_expected_files.txt`` beside this module is the benchmark's public list of expected txt
files (2239 Fishyscapes, 100 RoadAnomaly, 412 RoadObstacle), byte for byte.

A frame where the method predicts no instance still needs a mask: it gets one pixel at the top
left corner, as confident as one less than the least confident real instance of its benchmark,
so it ranks below every real prediction (a false positive ranked last leaves the precision at
every recall the real predictions reach unchanged, so it cannot lower AP). It is left out of the
detection results, where no rule asks for one.
"""
import io
import json
import math
import os
import os.path as osp
import re
import zipfile
from functools import lru_cache

import numpy as np
from PIL import Image

from anomseg.utils.errors import InputError
from anomseg.utils.io import (atomic_output_dir, check_new_output_dir, write_bytes_atomic,
                              write_image_atomic)
from .common import zip_folder_atomic

OODIS_BENCHMARKS = ('fishyscapes', 'roadanomaly', 'roadobstacle')
OFFICIAL_EXPECTED_FILES = osp.join(osp.dirname(osp.abspath(__file__)),
                                   'oodis_expected_files.txt')
TXT_SUFFIX = '_instanceIds_pred.txt'
MASK_NAME = re.compile(r'.*_instanceIds_\d+_1\.png$')
DESCRIPTION_KEYS = ('name', 'paper_link', 'code_link')
_EXPECTED_LINE = re.compile(rf'^({"|".join(OODIS_BENCHMARKS)})/([^/\s]+){TXT_SUFFIX}$')


@lru_cache(maxsize=4)
def _read_expected(path):
    expected = {}
    with open(path) as fh:
        for number, line in enumerate(fh, 1):
            line = line.strip()
            if not line:
                continue
            match = _EXPECTED_LINE.match(line)
            if not match:
                raise InputError(f'{path} line {number}: {line!r} is not '
                                 f'"<benchmark>/<stem>{TXT_SUFFIX}" with a benchmark of '
                                 f'{OODIS_BENCHMARKS}')
            expected.setdefault(match.group(1), set()).add(match.group(2))
    if not expected:
        raise InputError(f'{path}: no expected file listed')
    return {name: frozenset(stems) for name, stems in expected.items()}


def expected_stems(expected_files=None):
    """{benchmark: frozenset of frame stems} of an expected-files list (default: the official
    one shipped with anomseg)."""
    return _read_expected(osp.abspath(expected_files or OFFICIAL_EXPECTED_FILES))


def frame_stem(benchmark, image_name):
    """The frame's stem in OoDIS names, from its image's file name: LostAndFound's
    ``X_leftImg8bit.png`` is ``X_gtCoarse``; other images keep their name without extension."""
    stem = osp.splitext(osp.basename(image_name))[0]
    if benchmark == 'fishyscapes':
        if stem.endswith('_leftImg8bit'):
            stem = stem[:-len('_leftImg8bit')]
        return stem + '_gtCoarse'
    return stem


def image_id(benchmark, stem):
    """The frame's ``image_id`` in the detection results: its image's file name in the OoDIS
    release."""
    if benchmark == 'fishyscapes':
        return stem[:-len('_gtCoarse')] + '_leftImg8bit.png'
    return stem + '.png'


def instance_files(stem, count):
    return [f'{stem}_instanceIds_{n}_1.png' for n in range(count)]


def format_description(name=None, paper_link=None, code_link=None):
    """``description.txt``: one ``key: value`` line per given field (the verifier reads each line
    as ``key: value``)."""
    lines = []
    for key, value in zip(DESCRIPTION_KEYS, (name, paper_link, code_link)):
        if value is None:
            continue
        if not str(value).strip() or '\n' in str(value):
            raise InputError(f'description {key} must be one non-empty line, got {value!r}')
        lines.append(f'{key}: {str(value).strip()}')
    return '\n'.join(lines) + '\n' if lines else None


def write_oodis_frame(folder, benchmark, stem, instance_map, confidences, label=1):
    """Write one frame's masks and its ``_instanceIds_pred.txt``; ``instance_map`` has ids 1..N
    (H, W), or is N stacked masks (N, H, W) that may overlap (a mask transformer's queries);
    ``confidences`` N values, at least one. Returns the COCO result records of the frame."""
    from pycocotools import mask as mask_utils
    names = instance_files(stem, len(confidences))
    lines, records = [], []
    for n, (name, conf) in enumerate(zip(names, confidences)):
        mask = instance_map[n] if instance_map.ndim == 3 else instance_map == n + 1
        write_image_atomic(osp.join(folder, name), mask.astype(np.uint8) * 255)
        lines.append(f'{name} {label} {float(conf):.6f}')
        rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        ys, xs = np.nonzero(mask)
        records.append(dict(image_id=image_id(benchmark, stem), category_id=label,
                            score=float(conf),
                            segmentation=dict(size=list(rle['size']),
                                              counts=rle['counts'].decode()),
                            bbox=[int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
                                  int(ys.max() - ys.min() + 1)]))
    write_bytes_atomic(osp.join(folder, stem + TXT_SUFFIX), ('\n'.join(lines) + '\n').encode())
    return records


def _write_benchmark(folder, benchmark, frames, expected, label, detections):
    """Every frame of ``frames``, then the placeholders of the frames without an instance;
    ``detections(records)`` takes each frame's detection records as they are written (nothing is
    held for the whole benchmark but the placeholders' shapes)."""
    least, empty, seen = np.inf, {}, set()
    for stem, instance_map, confidences in frames:
        if stem not in expected:
            raise InputError(f'{benchmark}: frame {stem} is not in the expected file list')
        if stem in seen:
            raise InputError(f'{benchmark}: frame {stem} given twice')
        seen.add(stem)
        instance_map = np.asarray(instance_map)
        confidences = np.asarray(confidences, np.float64).reshape(-1)
        if not np.isfinite(confidences).all():
            raise InputError(f'{benchmark}/{stem}: confidences must be finite')
        if len(confidences):
            detections(write_oodis_frame(folder, benchmark, stem, instance_map, confidences,
                                         label))
            least = min(least, confidences.min())
        else:
            empty[stem] = instance_map.shape[-2:]
    missing = sorted(expected - seen)
    if missing:
        raise InputError(f'{benchmark}: {len(missing)} expected frames not given, e.g. '
                         + ', '.join(missing[:5]))
    floor = (least if np.isfinite(least) else 1.0) - 1.0
    for stem, shape in empty.items():
        corner = np.zeros((1,) + tuple(shape), bool)
        corner[0, 0, 0] = True
        write_oodis_frame(folder, benchmark, stem, corner, [floor], label)


def _json_list_sink(fh):
    """A callable that appends records, one a line, to the JSON list opened in ``fh``."""
    count = 0

    def add(records):
        nonlocal count
        for record in records:
            fh.write((',\n' if count else '\n') + json.dumps(record))
            count += 1
    return add


def write_oodis_submission(benchmarks, out_dir, description=None, label=1,
                           expected_files=None):
    """``benchmarks``: {name in OODIS_BENCHMARKS: iterable of (frame stem, instance map or
    stacked masks, confidences)} (``write_oodis_frame``; stems as ``frame_stem`` names them),
    one entry per benchmark of the expected list (default: the official one), each giving every
    expected frame. ``description``: the text of ``description.txt`` (``format_description``).
    Writes a new ``out_dir`` atomically with the unzipped tree in ``submission/`` and
    ``oodis_submission.zip``, which passes ``validate_oodis_zip`` before this returns its
    path."""
    expected = expected_stems(expected_files)
    if set(benchmarks) != set(expected):
        raise InputError(f'OoDIS submissions hold every benchmark of the expected list: give '
                         f'{sorted(expected)}, got {sorted(benchmarks)}')
    check_new_output_dir(None, out_dir)
    with atomic_output_dir(out_dir) as tmp:
        root = osp.join(tmp, 'submission')
        for name, frames in benchmarks.items():
            os.makedirs(osp.join(root, name))
            # the detection results streamed to their file as frames are written
            with open(osp.join(root, f'{name}.json'), 'w') as fh:
                fh.write('[')
                _write_benchmark(osp.join(root, name), name, frames, expected[name], label,
                                 _json_list_sink(fh))
                fh.write('\n]\n')
        if description:
            write_bytes_atomic(osp.join(root, 'description.txt'), description.encode())
        zip_path = zip_folder_atomic(root, osp.join(tmp, 'oodis_submission.zip'),
                                     dir_entries=True)
        validate_oodis_zip(zip_path, expected_files)
    return osp.join(out_dir, 'oodis_submission.zip')


def _check_txt(zf, txt, names, problems):
    """The lines of one ``_instanceIds_pred.txt``; returns the mask paths it names."""
    folder, base = txt.rsplit('/', 1) if '/' in txt else ('', txt)
    stem = base[:-len(TXT_SUFFIX)]
    lines = zf.read(txt).decode('utf-8', 'replace').strip().split('\n')
    if lines == ['']:
        problems.append(f'{txt}: names no mask (every frame needs at least one)')
        return set()
    masks = set()
    for number, line in enumerate(lines, 1):
        parts = line.split(' ')
        where = f'{txt} line {number}'
        if len(parts) != 3:
            problems.append(f'{where}: not "<mask png> <label> <confidence>"')
            continue
        mask, label, conf = parts
        if not MASK_NAME.match(mask):
            problems.append(f'{where}: mask {mask} does not end in _instanceIds_N_1.png')
        elif not mask.startswith(stem + '_'):
            problems.append(f'{where}: mask {mask} does not start with the frame\'s name {stem}')
        try:
            int(label)
            if not math.isfinite(float(conf)):
                raise ValueError
        except ValueError:
            problems.append(f'{where}: label must be an integer and confidence a finite number')
        path = f'{folder}/{mask}' if folder else mask
        if path not in names:
            problems.append(f'{where}: {path} is not in the zip')
        masks.add(path)
    return masks


def _check_mask(zf, path, problems):
    try:
        with Image.open(io.BytesIO(zf.read(path))) as im:
            if im.format != 'PNG' or im.mode not in ('1', 'L', 'P'):
                problems.append(f'{path}: not a single-channel PNG ({im.format}, {im.mode})')
    except (OSError, SyntaxError) as err:
        problems.append(f'{path}: unreadable PNG ({err})')


def _check_detection(zf, benchmark, expected, problems):
    name = f'{benchmark}.json'
    if name not in zf.namelist():
        problems.append(f'{name}: missing (the detection results of {benchmark})')
        return
    try:
        records = json.loads(zf.read(name))
    except ValueError as err:
        problems.append(f'{name}: not JSON ({err})')
        return
    if not isinstance(records, list):
        problems.append(f'{name}: not a list of detections')
        return
    ids = {image_id(benchmark, stem) for stem in expected}
    for n, r in enumerate(records):
        where = f'{name}[{n}]'
        if not isinstance(r, dict) or not {'image_id', 'category_id', 'score', 'bbox'} <= set(r):
            problems.append(f'{where}: needs image_id, category_id, score and bbox')
            continue
        if r['image_id'] not in ids:
            problems.append(f'{where}: image_id {r["image_id"]!r} is no expected frame')
        bbox = r['bbox']
        if not (isinstance(bbox, list) and len(bbox) == 4 and bbox[2] > 0 and bbox[3] > 0):
            problems.append(f'{where}: bbox must be [x, y, w, h] with w, h > 0')
        if not isinstance(r['score'], (int, float)) or not math.isfinite(r['score']):
            problems.append(f'{where}: score must be a finite number')


def validate_oodis_zip(zip_path, expected_files=None):
    """Check a submission zip by the rules of OoDIS's ``verify_submission.py`` (both tasks) and
    what its scoring programs read: a folder entry for exactly each benchmark; a
    ``description.txt``, if any, of ``key: value`` lines; every expected
    ``_instanceIds_pred.txt``; each naming at least one mask ``..._instanceIds_N_1.png`` that
    starts with the frame's name and lies beside it, with an integer label and a finite
    confidence; every PNG named by a txt and single-channel; ``<benchmark>.json`` detections
    whose ``image_id`` is an expected frame's image. Raises ValueError naming the problems."""
    expected = expected_stems(expected_files)
    problems = []
    with zipfile.ZipFile(zip_path) as zf:
        infos = zf.infolist()
        names = {i.filename for i in infos if not i.is_dir()}
        folders = {i.filename.split('/')[0] for i in infos if i.is_dir()}
        if folders != set(expected):
            problems.append(f'folder entries {sorted(folders)}, expected {sorted(expected)}')
        if 'description.txt' in names:
            text = zf.read('description.txt').decode('utf-8', 'replace').strip()
            bad = [line for line in text.split('\n') if ':' not in line]
            if bad:
                problems.append(f'description.txt: lines without "key: value": {bad[:3]}')
        txts = {n for n in names if n.endswith('.txt') and n != 'description.txt'}
        wanted = {f'{b}/{stem}{TXT_SUFFIX}' for b, stems in expected.items() for stem in stems}
        missing = sorted(wanted - txts)
        if missing:
            problems.append(f'{len(missing)} expected txt files missing, e.g. '
                            + ', '.join(missing[:5]))
        referenced = set()
        for txt in sorted(txts):
            referenced |= _check_txt(zf, txt, names, problems)
        pngs = {n for n in names if n.endswith('.png')}
        orphans = sorted(pngs - referenced)
        if orphans:
            problems.append(f'{len(orphans)} PNGs named by no txt, e.g. ' + ', '.join(orphans[:5]))
        for path in sorted(pngs & referenced):
            _check_mask(zf, path, problems)
        for benchmark, stems in expected.items():
            _check_detection(zf, benchmark, stems, problems)
    if problems:
        raise InputError(f'{zip_path}: {len(problems)} problems: ' + '; '.join(problems[:10]))
