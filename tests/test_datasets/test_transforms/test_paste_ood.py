import json
import os

import cv2
import numpy as np
import pytest

from anomseg.datasets import ObjectBank
from anomseg.datasets.transforms import PASTE_PRESETS, PasteOOD
from anomseg.utils.errors import InputError


def make_bank(root, sizes=((10, 14), (6, 6))):
    os.makedirs(root / 'objects')
    records = []
    for i, (h, w) in enumerate(sizes):
        bgra = np.zeros((h, w, 4), np.uint8)
        bgra[..., :3] = (40 * (i + 1), 200, 90)
        bgra[1:-1, 1:-1, 3] = 255
        cv2.imwrite(str(root / f'objects/{i}.png'), bgra)
        records.append(dict(file=f'objects/{i}.png', category='x', image='y', height=h, width=w,
                            area=int((h - 2) * (w - 2))))
    (root / 'index.json').write_text(json.dumps(dict(format=1, source='test', objects=records)))
    return str(root)


def sample(h=32, w=48):
    label = np.zeros((h, w), np.uint8)
    label[:, :8] = 255
    return dict(img=np.full((h, w, 3), 100, np.uint8), gt_seg_map=label)


def test_paste_labels_object_pixels_and_keeps_ignore(tmp_path):
    bank = make_bank(tmp_path / 'bank')
    t = PasteOOD(bank, num_objects=(3, 3), scale=(1.0, 1.0), ood_label=254)
    np.random.seed(0)
    out = t(sample())
    changed = np.any(out['img'] != 100, axis=2)
    ood = out['gt_seg_map'] == 254
    assert ood.any()
    # every changed pixel outside the ignore band is labelled outlier and vice versa
    assert np.array_equal(changed[:, 8:], ood[:, 8:])
    assert (out['gt_seg_map'][:, :8] == 255).all()
    assert set(np.unique(out['gt_seg_map'])) <= {0, 254, 255}


def test_same_seed_same_paste_other_seed_other_paste(tmp_path):
    bank = make_bank(tmp_path / 'bank')
    t = PasteOOD(bank, preset='eam', style=dict(type='lab'), blend_sigma=1.0)
    runs = []
    for seed in (5, 5, 6):
        np.random.seed(seed)
        runs.append(t(sample()))
    assert np.array_equal(runs[0]['img'], runs[1]['img'])
    assert np.array_equal(runs[0]['gt_seg_map'], runs[1]['gt_seg_map'])
    assert not np.array_equal(runs[0]['gt_seg_map'], runs[2]['gt_seg_map'])


def test_probability_size_and_fit(tmp_path):
    bank = make_bank(tmp_path / 'bank', sizes=((100, 50),))   # larger than the image
    never = PasteOOD(bank, prob=0.0)
    s = sample()
    assert never(dict(s))['gt_seg_map'] is s['gt_seg_map']
    fit = PasteOOD(bank, scale=(1.0, 1.0))
    np.random.seed(0)
    out = fit(sample())
    rows = np.nonzero((out['gt_seg_map'] == 254).any(1))[0]
    assert rows.min() >= 0 and rows.max() < 32          # shrunk to fit
    sized = PasteOOD(bank, size=(0.5, 0.5))
    np.random.seed(0)
    out = sized(sample())
    ys = np.nonzero(np.any(out['img'] != 100, axis=2))[0]
    assert 15 <= ys.max() - ys.min() + 1 <= 16       # longer side 0.5 * 32, 1-pixel clear border


def test_presets_and_bad_settings(tmp_path):
    bank = make_bank(tmp_path / 'bank')
    assert PasteOOD(bank, preset='rba').prob == PASTE_PRESETS['rba']['prob'] == 0.1
    assert PasteOOD(bank, preset='eam', scale=(0.5, 2)).size is None
    with pytest.raises(ValueError, match='unknown paste preset'):
        PasteOOD(bank, preset='nope')
    with pytest.raises(ValueError, match='not both'):
        PasteOOD(bank, scale=(1, 1), size=(0.1, 0.2))
    with pytest.raises(ValueError, match='unknown style operator'):
        PasteOOD(bank, style=dict(type='nope'))
    with pytest.raises(InputError, match='LoadAnnotations'):
        PasteOOD(bank)(dict(img=np.zeros((4, 4, 3), np.uint8)))


def test_object_bank_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='index.json'):
        ObjectBank(str(tmp_path))
    bank = make_bank(tmp_path / 'bank')
    os.remove(os.path.join(bank, 'objects', '1.png'))
    with pytest.raises(FileNotFoundError, match='1.png'):
        ObjectBank(bank)
    (tmp_path / 'bad').mkdir()
    (tmp_path / 'bad' / 'index.json').write_text('{nope')
    with pytest.raises(ValueError, match='not valid JSON'):
        ObjectBank(str(tmp_path / 'bad'))


def test_crafted_bank_indexes_read_nothing_outside_the_bank(tmp_path):
    """An index.json naming files outside its folder (``..``, absolute, through a symlink), of
    the wrong shape, or naming a file that is no image, is refused when the bank opens."""
    from tests.reliability import record
    outside = tmp_path / 'outside.png'
    cv2.imwrite(str(outside), np.zeros((4, 4, 4), np.uint8))
    crafted = {
        'a path with ..': ([dict(file='../outside.png')], 'outside the bank folder'),
        'an absolute path': ([dict(file=str(outside))], 'outside the bank folder'),
        'a symlink out of the folder': ([dict(file='objects/link.png')],
                                        'outside the bank folder'),
        'a record that is no object': (['objects/0.png'], 'object 0 names no file'),
        'a file that is no image': ([dict(file='objects/notes.png')], 'not a PNG'),
    }
    for name, (objects, message) in crafted.items():
        bank = tmp_path / name.replace(' ', '_')
        make_bank(bank)
        os.symlink(outside, bank / 'objects' / 'link.png')
        (bank / 'objects' / 'notes.png').write_text('not an image')
        (bank / 'index.json').write_text(json.dumps(dict(format=1, objects=objects)))
        with pytest.raises(ValueError, match=message):
            ObjectBank(str(bank))
        record('PasteOOD object bank', f'crafted index.json: {name}',
               f'refused when the bank opens ("{message}")')
    (tmp_path / 'list').mkdir()
    (tmp_path / 'list' / 'index.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='not an object bank index'):
        ObjectBank(str(tmp_path / 'list'))
