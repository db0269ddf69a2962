"""OoDIS submissions: names, folder entries, detection results and frames without instances, by
the rules of the benchmark's verify_submission.py and scoring programs; each known defect is
reintroduced into a good zip and must be caught."""
import json
import os
import zipfile

import cv2
import numpy as np
import pytest
from pycocotools import mask as mask_utils

from anomseg.submission import (OFFICIAL_EXPECTED_FILES, expected_stems, format_description,
                                frame_stem, image_id, validate_oodis_zip, write_oodis_submission)

LAF = '02_Hanns_Klemm_Str_44_000007_000140'


def small_list(tmp_path):
    """An expected-file list in the official format: two RoadAnomaly frames, one of each
    other benchmark."""
    path = tmp_path / 'expected.txt'
    path.write_text(f'fishyscapes/{LAF}_gtCoarse_instanceIds_pred.txt\n'
                    'roadanomaly/cow0000_instanceIds_pred.txt\n'
                    'roadanomaly/cow0001_instanceIds_pred.txt\n'
                    'roadobstacle/snowstorm2_00_01_38.181_instanceIds_pred.txt\n')
    return str(path)


def two_instances():
    ids = np.zeros((10, 12), np.int32)
    ids[1:4, 1:5] = 1
    ids[6:9, 7:11] = 2
    return ids, np.array([0.9, 0.4])


def small_benchmarks():
    ids, conf = two_instances()
    nothing = (np.zeros((10, 12), np.int32), np.zeros(0))
    return {'fishyscapes': iter([(f'{LAF}_gtCoarse', ids, conf)]),
            'roadanomaly': iter([('cow0000', ids, conf), ('cow0001', *nothing)]),
            'roadobstacle': iter([('snowstorm2_00_01_38.181', *nothing)])}


def test_official_list_is_shipped_whole():
    # the public assets/expected_files.txt: 199272 bytes, 2239 + 100 + 412 frames
    assert os.path.getsize(OFFICIAL_EXPECTED_FILES) == 199272
    stems = expected_stems()
    assert {k: len(v) for k, v in stems.items()} == {'fishyscapes': 2239, 'roadanomaly': 100,
                                                     'roadobstacle': 412}
    assert f'{LAF}_gtCoarse' in stems['fishyscapes'] and 'cow0000' in stems['roadanomaly']


def test_names_of_frames_and_detection_image_ids():
    assert frame_stem('fishyscapes', f'{LAF}_leftImg8bit.png') == f'{LAF}_gtCoarse'
    assert frame_stem('fishyscapes', f'{LAF}.png') == f'{LAF}_gtCoarse'
    assert frame_stem('roadobstacle', 'snowstorm2_00_01_38.181.webp') == \
        'snowstorm2_00_01_38.181'
    assert image_id('fishyscapes', f'{LAF}_gtCoarse') == f'{LAF}_leftImg8bit.png'
    assert image_id('roadanomaly', 'cow0000') == 'cow0000.png'
    assert format_description('m', code_link='https://x') == 'name: m\ncode_link: https://x\n'
    with pytest.raises(ValueError, match='one non-empty line'):
        format_description('two\nlines')


def test_zip_layout_masks_txt_and_detections(tmp_path):
    expected = small_list(tmp_path)
    out = tmp_path / 'sub'
    zip_path = write_oodis_submission(small_benchmarks(), str(out), expected_files=expected,
                                      description=format_description('anomseg test'))
    ids, conf = two_instances()
    with zipfile.ZipFile(zip_path) as zf:
        dirs = sorted(i.filename for i in zf.infolist() if i.is_dir())
        assert dirs == ['fishyscapes/', 'roadanomaly/', 'roadobstacle/']
        names = set(zf.namelist())
        assert {'description.txt', 'fishyscapes.json', 'roadanomaly.json',
                'roadobstacle.json'} <= names
        assert zf.read('description.txt') == b'name: anomseg test\n'
        txt = f'fishyscapes/{LAF}_gtCoarse_instanceIds_pred.txt'
        assert zf.read(txt).decode().splitlines() == [
            f'{LAF}_gtCoarse_instanceIds_0_1.png 1 0.900000',
            f'{LAF}_gtCoarse_instanceIds_1_1.png 1 0.400000']
        for n in range(2):
            png = zf.read(f'fishyscapes/{LAF}_gtCoarse_instanceIds_{n}_1.png')
            mask = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
            assert np.array_equal(mask > 0, ids == n + 1) and set(np.unique(mask)) == {0, 255}
        results = json.loads(zf.read('fishyscapes.json'))
        assert [r['image_id'] for r in results] == [f'{LAF}_leftImg8bit.png'] * 2
        assert [r['score'] for r in results] == [0.9, 0.4]
        assert results[0]['bbox'] == [1, 1, 4, 3] and results[1]['bbox'] == [7, 6, 4, 3]
        for n, r in enumerate(results):
            rle = dict(r['segmentation'], counts=r['segmentation']['counts'].encode())
            assert np.array_equal(mask_utils.decode(rle).astype(bool), ids == n + 1)


def test_frame_without_instances_submits_one_pixel_ranked_last(tmp_path):
    out = tmp_path / 'sub'
    zip_path = write_oodis_submission(small_benchmarks(), str(out),
                                      expected_files=small_list(tmp_path))
    with zipfile.ZipFile(zip_path) as zf:
        # least confident real RoadAnomaly instance: 0.4, so the placeholder gets 0.4 - 1
        assert zf.read('roadanomaly/cow0001_instanceIds_pred.txt') == \
            b'cow0001_instanceIds_0_1.png 1 -0.600000\n'
        png = zf.read('roadanomaly/cow0001_instanceIds_0_1.png')
        mask = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (10, 12) and list(zip(*np.nonzero(mask))) == [(0, 0)]
        # a benchmark with no real instance at all: 1 - 1
        assert zf.read('roadobstacle/snowstorm2_00_01_38.181_instanceIds_pred.txt') == \
            b'snowstorm2_00_01_38.181_instanceIds_0_1.png 1 0.000000\n'
        assert [r['image_id'] for r in json.loads(zf.read('roadanomaly.json'))] == \
            ['cow0000.png'] * 2
        assert json.loads(zf.read('roadobstacle.json')) == []


def test_incomplete_or_foreign_frames_are_refused_and_leave_nothing(tmp_path):
    expected = small_list(tmp_path)
    bench = small_benchmarks()
    bench['roadanomaly'] = iter([('cow0000', *two_instances())])
    with pytest.raises(ValueError, match='roadanomaly: 1 expected frames not given, e.g. '
                                         'cow0001'):
        write_oodis_submission(bench, str(tmp_path / 'a'), expected_files=expected)
    bench = small_benchmarks()
    bench['roadanomaly'] = iter([('horse0000', *two_instances())])
    with pytest.raises(ValueError, match='horse0000 is not in the expected file list'):
        write_oodis_submission(bench, str(tmp_path / 'b'), expected_files=expected)
    with pytest.raises(ValueError, match='every benchmark of the expected list'):
        write_oodis_submission({'roadanomaly': iter([])}, str(tmp_path / 'c'),
                               expected_files=expected)
    assert sorted(os.listdir(tmp_path)) == ['expected.txt']


def rewrite(src, dst, keep_dirs=True, rename=None, drop=(), replace=None):
    """A copy of zip ``src`` with folder entries dropped, entries renamed, dropped or given new
    bytes."""
    rename, replace = rename or (lambda n: n), replace or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, 'w') as zout:
        for info in zin.infolist():
            if info.filename in drop or (info.is_dir() and not keep_dirs):
                continue
            data = replace.get(info.filename, zin.read(info.filename))
            if info.is_dir():
                zout.writestr(info.filename, b'')
            else:
                zout.writestr(rename(info.filename), data)
    return str(dst)


@pytest.fixture(scope='module')
def official_zip(tmp_path_factory):
    """A submission of every official frame: tiny masks, every 7th frame without instances."""
    tmp = tmp_path_factory.mktemp('official')
    rng = np.random.default_rng(0)

    def frames(stems):
        for i, stem in enumerate(sorted(stems)):
            ids = np.zeros((6, 8), np.int32)
            if i % 7:
                ids[1:3, 2:5] = 1
                yield stem, ids, rng.random(1)
            else:
                yield stem, ids, np.zeros(0)

    out = tmp / 'sub'
    zip_path = write_oodis_submission({b: frames(s) for b, s in expected_stems().items()},
                                      str(out), format_description('dummy'))
    return zip_path


def test_official_list_submission_has_every_expected_file(official_zip):
    validate_oodis_zip(official_zip)
    with open(OFFICIAL_EXPECTED_FILES) as fh:
        wanted = set(fh.read().split())
    with zipfile.ZipFile(official_zip) as zf:
        txts = {n for n in zf.namelist() if n.endswith('_pred.txt')}
        assert txts == wanted
        ids = {r['image_id'] for r in json.loads(zf.read('fishyscapes.json'))}
    # one detection per frame with an instance; none for the placeholders (every 7th frame)
    stems = sorted(expected_stems()['fishyscapes'])
    assert ids == {stem[:-len('_gtCoarse')] + '_leftImg8bit.png'
                   for i, stem in enumerate(stems) if i % 7}


@pytest.mark.parametrize('defect, change, message', [
    ('no folder entries', dict(keep_dirs=False), r"folder entries \[\], expected"),
    ('Fishyscapes names without _gtCoarse',
     dict(rename=lambda n: n.replace('_gtCoarse_', '_')), '2239 expected txt files missing'),
    ('detection results missing', dict(drop=('fishyscapes.json',)), 'fishyscapes.json: missing'),
    ('a frame naming no mask', dict(replace={'roadanomaly/airplane0000_instanceIds_pred.txt': b''}),
     'airplane0000_instanceIds_pred.txt: names no mask'),
    ('a mask named by no txt', dict(replace={
        'roadanomaly/airplane0000_instanceIds_pred.txt':
            b'airplane0000_instanceIds_0_1.png 1 0.5\nairplane0000_instanceIds_9_1.png 1 0.5\n'}),
     r'airplane0000_instanceIds_9_1.png is not in the zip'),
    ('a description line without a key', dict(replace={'description.txt': b'just words\n'}),
     'lines without "key: value"'),
    ('detection image ids as frame ids', dict(replace={'roadanomaly.json': json.dumps(
        [dict(image_id='cow0000', category_id=1, score=0.5, bbox=[0, 0, 1, 1])]).encode()}),
     "image_id 'cow0000' is no expected frame"),
])
def test_each_defect_is_caught(official_zip, tmp_path, defect, change, message):
    bad = rewrite(official_zip, tmp_path / 'bad.zip', **change)
    with pytest.raises(ValueError, match=message):
        validate_oodis_zip(bad)


def test_orphan_mask_and_mask_named_for_another_frame(official_zip, tmp_path):
    with zipfile.ZipFile(official_zip) as zf:
        txt = zf.read('roadanomaly/cow0001_instanceIds_pred.txt').decode()
    name = txt.split()[0]
    bad = rewrite(official_zip, tmp_path / 'orphan.zip',
                  drop=('roadanomaly/cow0001_instanceIds_pred.txt',))
    with pytest.raises(ValueError, match=f'PNGs named by no txt, e.g. roadanomaly/{name}'):
        validate_oodis_zip(bad)
    other = txt.replace('cow0001_', 'cow0002_', 1)
    bad = rewrite(official_zip, tmp_path / 'other.zip',
                  replace={'roadanomaly/cow0001_instanceIds_pred.txt': other.encode()})
    with pytest.raises(ValueError, match="does not start with the frame's name cow0001"):
        validate_oodis_zip(bad)


def test_expected_list_lines_are_checked(tmp_path):
    path = tmp_path / 'list.txt'
    path.write_text('roadanomaly/cow0000_instanceIds_pred.txt\ncityscapes/x_instanceIds_pred.txt\n')
    with pytest.raises(ValueError, match='list.txt line 2'):
        expected_stems(str(path))


def test_zip_entries_are_readable_as_stored(official_zip):
    with zipfile.ZipFile(official_zip) as zf:
        assert zf.testzip() is None
        png = next(n for n in zf.namelist() if n.endswith('_1.png'))
        assert cv2.imdecode(np.frombuffer(zf.read(png), np.uint8), cv2.IMREAD_UNCHANGED).ndim == 2
