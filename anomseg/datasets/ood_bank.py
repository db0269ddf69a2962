"""Outlier object banks: cut-out objects that outlier exposure pastes into training scenes.

Layout (written by ``data_prep/ood_bank.py``)::

    BANK/index.json      {"format": 1, "source": ..., "objects": [{"file": "objects/000000.png",
                          "category": ..., "image": ..., "height": h, "width": w, "area": n}]}
    BANK/objects/*.png   BGRA crops: colour, alpha 255 on the object and 0 elsewhere

``ObjectBank`` reads it; every file the index names is checked when the bank is opened (it
must lie inside the bank folder and be a whole image), so a broken or crafted bank fails before
training starts, naming the file.
"""
import json
import os.path as osp

import cv2
import numpy as np

from anomseg.utils.errors import InputError
from anomseg.utils.image_files import check_image_file

BANK_INDEX = 'index.json'
BANK_FORMAT = 1


class ObjectBank:
    """Random access to a bank's objects: ``bank[i]`` is (BGR uint8 (h, w, 3), bool mask (h, w)).

    Decoded objects are cached, so each worker decodes a file at most once.
    """

    def __init__(self, root):
        self.root = root
        index_path = osp.join(root, BANK_INDEX)
        if not osp.isfile(index_path):
            raise FileNotFoundError(f'{index_path} does not exist: build an object bank with '
                                    f'python data_prep/ood_bank.py')
        with open(index_path) as fh:
            try:
                index = json.load(fh)
            except json.JSONDecodeError as err:
                raise InputError(f'{index_path}: not valid JSON ({err})') from None
        if not isinstance(index, dict) or index.get('format') != BANK_FORMAT or \
                not isinstance(index.get('objects'), list):
            raise InputError(f'{index_path}: not an object bank index of format {BANK_FORMAT}')
        if not index['objects']:
            raise InputError(f'{index_path}: the bank holds no objects')
        real_root = osp.realpath(root)
        for number, record in enumerate(index['objects']):
            name = record.get('file') if isinstance(record, dict) else None
            if not isinstance(name, str) or not name:
                raise InputError(f'{index_path}: object {number} names no file')
            path = osp.realpath(osp.join(root, name))
            if osp.isabs(name) or not path.startswith(real_root + osp.sep):
                raise InputError(f'{index_path}: object {number} names {name!r}, outside the '
                                 'bank folder; a bank only reads its own files')
            if not osp.isfile(path):
                raise FileNotFoundError(f'{index_path}: object file {osp.join(root, name)} is '
                                        'missing')
            check_image_file(path, 'object')
        self.records = index['objects']
        self.source = index.get('source')
        self._cache = {}

    def __len__(self):
        return len(self.records)

    def __getitem__(self, i):
        if i not in self._cache:
            path = osp.join(self.root, self.records[i]['file'])
            bgra = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            if bgra is None or bgra.ndim != 3 or bgra.shape[2] != 4:
                raise InputError(f'{path}: expected a 4-channel PNG (colour + alpha)')
            mask = bgra[..., 3] > 127
            if not mask.any():
                raise InputError(f'{path}: the alpha channel marks no object pixel')
            self._cache[i] = (np.ascontiguousarray(bgra[..., :3]), mask)
        return self._cache[i]
