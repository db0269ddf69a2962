"""EMIDEC late-gadolinium-enhancement cardiac MRI as 2D short-axis slices, split by patient.

EMIDEC (Lalande et al., "Emidec: A Database Usable for the Automatic Evaluation of Myocardial
Infarction from Delayed-Enhancement Cardiac MRI", Data 2020) labels every slice with
0 background, 1 left-ventricle cavity, 2 normal myocardium, 3 myocardial infarction and
4 no-reflow (persistent microvascular obstruction). The MaxQuery setting (Yuan et al., CVPR 2023)
keeps some of these as inlier classes and asks for the others as out-of-distribution pixels:

- setting ``'A'`` (unseen lesion type): inliers background / cavity / myocardium / infarct,
  anomaly no-reflow;
- setting ``'B'`` (organ model): inliers background / cavity / myocardium, anomaly infarct and
  no-reflow.

A config picks the setting's inlier classes with ``metainfo=dict(classes=...)``
(``setting_metainfo``): mmseg maps the other labels to 255, ignored in training and in Dice, and
the dataset gives each slice the anomaly map of the same choice (``anomaly_label_map``: the labels
left out are the anomaly), which ``LoadAnomalyAnnotations`` reads.

Layout (``data_prep/emidec.py convert`` writes it from the official NIfTI download; the
public 256x256 PNG release has it too): every folder ``X`` under the root that has a sibling
``Xannot`` holds slices ``Case_<K><NNN>_slice<SSS>.png`` (8-bit grey) with their label maps of the
same name in ``Xannot``. A split file (``data_prep/emidec.py split``) lists one patient per line;
without one the dataset holds every slice under the root (e.g. a folder of other patients).
"""
import glob
import os.path as osp
import re

import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from PIL import Image

from anomseg.utils.errors import InputError
from anomseg.utils.image_files import check_image_file

EMIDEC_CLASSES = ('background', 'cavity', 'myocardium', 'infarct', 'no-reflow')
EMIDEC_PALETTE = [[0, 0, 0], [220, 20, 60], [70, 130, 180], [255, 215, 0], [148, 0, 211]]
SETTINGS = {'A': 4, 'B': 3}  # inlier classes: the first N of EMIDEC_CLASSES
SLICE_RE = re.compile(r'^(Case_[A-Za-z]+\d+)_slice(\d+)\.png$')


def setting_metainfo(setting):
    """``metainfo`` of a setting: its inlier classes and their colours."""
    n = SETTINGS[setting]
    return dict(classes=EMIDEC_CLASSES[:n], palette=EMIDEC_PALETTE[:n])


def anomaly_label_map(label_map):
    """EMIDEC label -> anomaly label (0 inlier, 1 anomaly) for a dataset's ``label_map`` (EMIDEC
    label -> class, 255 for the labels its classes leave out): the left-out labels are the
    anomaly (none where the dataset keeps all five classes). Background (0) stays 0."""
    label_map = label_map or {}
    return {label: int(label_map.get(label, label) == 255)
            for label in range(1, len(EMIDEC_CLASSES))}


def emidec_slices(root):
    """[(patient, image path, label path)] of every slice under ``root``, sorted; a slice
    without its label map, a label map without its slice or a name outside the layout is an
    error naming the file."""
    if not osp.isdir(root):
        raise FileNotFoundError(f'EMIDEC folder {root!r} does not exist; expected the slice '
                                'layout of data_prep/emidec.py (X/ and Xannot/ folders)')
    slices = []
    folders = [d for d in sorted(glob.glob(osp.join(root, '*')))
               if osp.isdir(d) and not d.endswith('annot') and osp.isdir(d + 'annot')]
    if not folders:
        raise FileNotFoundError(f'{root}: no slice folder X with its label folder Xannot')
    for folder in folders:
        images = {osp.basename(p) for p in glob.glob(osp.join(folder, '*.png'))}
        labels = {osp.basename(p) for p in glob.glob(osp.join(folder + 'annot', '*.png'))}
        if images - labels:
            name = min(images - labels)
            raise FileNotFoundError(f'{osp.join(folder, name)}: no label map '
                                    f'{osp.join(folder + "annot", name)}')
        if labels - images:
            name = min(labels - images)
            raise FileNotFoundError(f'{osp.join(folder + "annot", name)}: no slice '
                                    f'{osp.join(folder, name)}')
        for name in sorted(images):
            match = SLICE_RE.match(name)
            if not match:
                raise InputError(f'{osp.join(folder, name)}: not a slice name of the layout '
                                 '(Case_<K><NNN>_slice<SSS>.png)')
            slices.append((match.group(1), osp.join(folder, name),
                           osp.join(folder + 'annot', name)))
    return slices


def slice_neighbours(slices):
    """{image path: (previous, next)}: the slices either side of each slice of
    ``emidec_slices`` within its patient, in slice-number order; the first and the last slice
    of a patient are their own outer neighbour (``LoadSliceStack`` reads them)."""
    by_patient = {}
    for patient, image, _ in slices:
        number = int(SLICE_RE.match(osp.basename(image)).group(2))
        by_patient.setdefault(patient, []).append((number, image))
    neighbours = {}
    for ordered in by_patient.values():
        paths = [image for _, image in sorted(ordered)]
        for i, image in enumerate(paths):
            neighbours[image] = (paths[max(i - 1, 0)], paths[min(i + 1, len(paths) - 1)])
    return neighbours


def check_slice(image_path, label_path):
    """The set of labels of a slice, after checking that its label map is single-channel, of
    the image's size and within 0..4 (an error names the file)."""
    height, width = check_image_file(image_path)
    size = (width, height)
    check_image_file(label_path, 'label map')
    try:
        with Image.open(label_path) as image:
            label = np.asarray(image)
    except OSError as err:
        raise InputError(f'{label_path}: not a readable label map ({err})') from None
    if label.ndim != 2:
        raise InputError(f'{label_path}: expected a single-channel label map, got shape '
                         f'{label.shape}')
    if label.shape[::-1] != size:
        raise InputError(f'{label_path}: label map of {label.shape[1]}x{label.shape[0]} does '
                         f'not match its slice {image_path} of {size[0]}x{size[1]}')
    present = np.unique(label)
    bad = present[present >= len(EMIDEC_CLASSES)]
    if bad.size:
        raise InputError(f'{label_path}: label values {bad.tolist()} outside 0..'
                         f'{len(EMIDEC_CLASSES) - 1} ({", ".join(EMIDEC_CLASSES)})')
    return set(present.tolist())


def read_split(path):
    """Patients listed in a split file (one per line; blank lines and ``#`` comments skipped)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file {path} does not exist; write the splits with '
                                'python data_prep/emidec.py split')
    with open(path) as fh:
        patients = [line.split('#')[0].strip() for line in fh]
    return [p for p in patients if p]


def check_disjoint_splits(path):
    """Every split file (``*.txt``) beside ``path`` must name different patients: a patient in
    two splits is an error naming both files."""
    seen = {}
    for other in sorted(glob.glob(osp.join(osp.dirname(path) or '.', '*.txt'))):
        for patient in read_split(other):
            if patient in seen and seen[patient] != other:
                raise InputError(f'{other}: patient {patient} is also in {seen[patient]}; a '
                                 'patient belongs to one split')
            seen[patient] = other


@DATASETS.register_module()
class EmidecDataset(BaseSegDataset):
    """EMIDEC slices of the patients of ``split_file`` (default: every slice under
    ``data_root``); see the module docstring for the layout and the settings.

    ``exclude_patients_with``: labels (EMIDEC's, 0..4) that leave a patient out when any of
    their slices has them (setting A trains only on patients without no-reflow, ``(4,)``).
    Every slice is checked before any work (both files readable, label present, same size,
    values 0..4) and the split files beside ``split_file`` must not share a patient. Each
    sample carries ``anomaly_label_map`` (``anomaly_label_map(label_map)``) for
    ``LoadAnomalyAnnotations``.
    """
    METAINFO = dict(classes=EMIDEC_CLASSES, palette=EMIDEC_PALETTE)

    def __init__(self, split_file=None, exclude_patients_with=(), **kwargs):
        self.split_file = split_file
        self.exclude_patients_with = set(exclude_patients_with)
        super().__init__(img_suffix='.png', seg_map_suffix='.png', **kwargs)

    def load_data_list(self):
        slices = emidec_slices(self.data_root)
        if self.split_file:
            check_disjoint_splits(self.split_file)
            wanted = read_split(self.split_file)
            known = {patient for patient, _, _ in slices}
            missing = [p for p in wanted if p not in known]
            if missing:
                raise InputError(f'{self.split_file}: patients {missing} have no slice under '
                                 f'{self.data_root}')
            slices = [s for s in slices if s[0] in set(wanted)]
            if not slices:
                raise InputError(f'{self.split_file}: lists no patient')
        labels = {}
        for patient, image, label in slices:
            labels.setdefault(patient, set()).update(check_slice(image, label))
        left_out = {p for p, present in labels.items() if present & self.exclude_patients_with}
        anomaly_map = anomaly_label_map(self.label_map)
        neighbours = slice_neighbours(slices)
        return [dict(img_path=image, seg_map_path=label, patient=patient,
                     neighbour_paths=neighbours[image], label_map=self.label_map,
                     anomaly_label_map=anomaly_map, reduce_zero_label=self.reduce_zero_label,
                     seg_fields=[])
                for patient, image, label in slices if patient not in left_out]
