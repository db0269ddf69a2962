import os.path as osp
import re

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

from anomseg.datasets.transforms.anomaly_region import grow_region
from anomseg.evaluation.functional import (PATIENT_QUANTILE, ScoreCounts, best_f1,
                                           lesion_metrics, patient_auroc, patient_lesions,
                                           patient_score, sensitivity_at_specificity)
from anomseg.utils.errors import InputError
from anomseg.utils.spill import SpillFolder, read_ahead
from .gathered import evaluate_gathered

# EMIDEC's Case_P001_slice003 and the slice converters' CASE_0042 alike
SLICE_NAME = r'^(?P<patient>.+?)_(?:slice)?(?P<slice>\d+)$'


@METRICS.register_module()
class PatientMetric(BaseMetric):
    """Patient-level and lesion-wise anomaly metrics of a slice dataset, for every scorer.

    Slices are grouped into patients by their file names: ``name_pattern`` (a regular
    expression with the groups ``patient`` and ``slice``) is matched against each image's stem;
    the default reads EMIDEC's ``Case_P001_slice003`` and the ``CASE_0042`` of
    ``data_prep/msd.py`` / ``data_prep/nnunet.py``. A patient's slices, in slice order, make its
    volume; a missing slice index leaves a void plane, so lesions do not connect across it.

    Labels are ``gt_key`` (1 anomaly, 0 inlier, 255 void): a patient is positive when any of its
    voxels is 1. Results, keyed ``{scorer}/...``:

    - ``patient_AUROC`` and ``patient_sensitivity`` (at ``specificity``, default 90%) of the
      patient scores (``functional.patients``): the ``quantile`` of the scores inside the predicted
      organ, the voxels whose predicted class is one of ``organ_classes``, grown by
      ``organ_margin`` pixels in each slice;
    - ``lesion_precision``, ``lesion_recall``, ``lesion_F1`` and ``lesion_dice`` (with the counts
      ``lesion_TP`` / ``lesion_FN`` / ``lesion_FP``; ``functional.lesions``, after BraTS 2023):
      3D components of the voxels scoring at least ``lesion_threshold`` against the labelled
      lesions, with ``lesion_dilation`` voxels of matching tolerance, lesions under
      ``min_lesion_voxels`` and predicted components under ``min_pred_voxels`` left out, and a
      detection held to an IoU of at least ``lesion_min_iou`` (0: BraTS's any overlap).
      ``lesion_threshold='best_f1'`` (default) takes the threshold of the best pixel F1 over
      every labelled voxel: an oracle operating point, as SegmentMeIfYouCan's component metrics
      choose theirs; pass a number (a threshold chosen on validation patients) for a figure a
      deployment can reach. Reported as ``lesion_threshold``. A patient without lesions and
      without false positives has a lesion-wise Dice of 1 (BraTS's convention), so the mean
      Dice is above 0 even for a model that finds nothing.

    The lesion pass needs each volume once the threshold is known: the maps wait in a temporary
    folder (``anomseg.utils.spill``), not in memory; in memory stay only the scores inside each
    patient's predicted organ.
    """
    default_prefix = 'patient'

    def __init__(self, organ_classes, organ_margin=5, quantile=PATIENT_QUANTILE,
                 specificity=0.9, gt_key='gt_anomaly', lesion_threshold='best_f1',
                 lesion_dilation=1, min_lesion_voxels=10, min_pred_voxels=10,
                 lesion_min_iou=0.0, name_pattern=SLICE_NAME, **kwargs):
        super().__init__(**kwargs)
        if not (isinstance(lesion_threshold, (int, float)) or lesion_threshold == 'best_f1'):
            raise InputError(f"lesion_threshold must be a number or 'best_f1', got "
                             f'{lesion_threshold!r}')
        if not 0 < quantile <= 1 or not 0 < specificity < 1:
            raise InputError(f'quantile must lie in (0, 1] and specificity in (0, 1), got '
                             f'{quantile} and {specificity}')
        self.organ_classes = tuple(organ_classes)
        self.organ_margin = int(organ_margin)
        self.quantile = quantile
        self.specificity = specificity
        self.gt_key = gt_key
        self.lesion_threshold = lesion_threshold
        self.lesion_dilation = int(lesion_dilation)
        self.min_lesion_voxels = int(min_lesion_voxels)
        self.min_pred_voxels = int(min_pred_voxels)
        self.lesion_min_iou = float(lesion_min_iou)
        self.name_pattern = re.compile(name_pattern)
        self._reset()

    def _reset(self):
        self._frames, self._organ, self._counts, self._spill = {}, {}, {}, None

    def slice_key(self, img_path):
        """(patient, slice index) of an image path, by ``name_pattern``."""
        stem = osp.basename(str(img_path)).split('.')[0]
        match = self.name_pattern.match(stem)
        if not match:
            raise InputError(f'{img_path}: its name does not match the slice pattern '
                             f'{self.name_pattern.pattern!r} (groups patient and slice)')
        return match.group('patient'), int(match.group('slice'))

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            if self.gt_key not in sample:
                raise InputError(f'{sample.get("img_path", "a sample")} has no {self.gt_key}: '
                                 'load anomaly labels with LoadAnomalyAnnotations')
            if 'pred_sem_seg' not in sample:
                raise InputError(f'{sample.get("img_path")}: PatientMetric needs the class '
                                 'prediction (pred_sem_seg) for the predicted organ')
            pred = sample['pred_anomaly']
            maps = {name: pred[name].squeeze(0).float().cpu().numpy() for name in pred['scorers']}
            labels = sample[self.gt_key]['data'].squeeze(0).cpu().numpy()
            semantic = sample['pred_sem_seg']['data'].squeeze(0).cpu().numpy()
            self.add(sample['img_path'], labels, maps, semantic)

    def add(self, img_path, labels, maps, semantic):
        """Count one slice: its labels (H, W), {scorer: scores (H, W)} and the predicted classes
        (H, W)."""
        key = self.slice_key(img_path)
        if key in self._frames:  # a padding sampler's repeat
            return
        organ = grow_region(np.isin(semantic, self.organ_classes), self.organ_margin)
        if self._spill is None:
            self._spill = SpillFolder(prefix='anomseg-patients-')
        index = len(self._frames)
        frame = dict(positive=bool((labels == 1).any()), shape=labels.shape,
                     labels=self._spill.put(f'{index}_labels', labels, compress=True))
        for name, scores in maps.items():
            if scores.shape != labels.shape:
                raise InputError(f'{img_path}: scores of shape {scores.shape} ({name}) do not '
                                 f'match labels of shape {labels.shape}')
            frame[name] = self._spill.put(f'{index}_{name}', scores.astype(np.float32))
            self._organ.setdefault(key[0], {}).setdefault(name, []).append(scores[organ])
            self._counts.setdefault(name, ScoreCounts()).update(scores, labels)
        self._frames[key] = frame

    def evaluate(self, size=None):
        if self._spill:
            self._spill.flush()  # other processes may read these frames next
        return evaluate_gathered(self, dict(frames=self._frames, organ=self._organ,
                                            counts=self._counts), self._spill)

    def compute_metrics(self, states):
        frames, organ, counts = {}, {}, {}
        for state in states:
            for key, frame in state['frames'].items():
                frames.setdefault(key, frame)
            for patient, scorers in state['organ'].items():
                for name, parts in scorers.items():
                    organ.setdefault(patient, {}).setdefault(name, []).extend(parts)
            for name, c in state['counts'].items():
                counts[name] = counts[name].merge(c) if name in counts else c
        patients = {}
        for (patient, index), frame in sorted(frames.items()):
            patients.setdefault(patient, []).append((index, frame))
        thresholds = {name: best_f1(c)[1] if self.lesion_threshold == 'best_f1'
                      else float(self.lesion_threshold) for name, c in counts.items()}
        scores = {name: [] for name in counts}
        lesions = {name: [] for name in counts}
        positive = []
        for (patient, slices), (labels, real) in zip(
                patients.items(), read_ahead(patients.items(), lambda p: self._labels(*p))):
            positive.append(any(f['positive'] for _, f in slices))
            for name in counts:  # each scorer's volume in turn: one in memory
                volume = self._stack(slices, real, lambda f: SpillFolder.load(f[name]), 0)
                # an empty predicted organ: the whole volume instead
                scores[name].append(patient_score(np.concatenate(organ[patient][name]),
                                                  volume[real], self.quantile))
                lesions[name].append(patient_lesions(
                    volume >= thresholds[name], labels, self.lesion_dilation,
                    self.min_lesion_voxels, self.min_pred_voxels, self.lesion_min_iou))
        out, rows = {}, []
        for name in counts:
            sensitivity, _ = sensitivity_at_specificity(scores[name], positive, self.specificity)
            values = dict(patient_AUROC=patient_auroc(scores[name], positive),
                          patient_sensitivity=sensitivity, **lesion_metrics(lesions[name]),
                          lesion_threshold=thresholds[name])
            out.update({f'{name}/{k}': v for k, v in values.items()})
            rows.append((name, values))
        n_pos = sum(any(f['positive'] for _, f in s) for s in patients.values())
        table = [f'{len(patients)} patients ({n_pos} with anomalies); patient score: the '
                 f'{self.quantile:g} quantile inside the predicted organ; sensitivity at '
                 f'{100 * self.specificity:g}% specificity',
                 f'{"scorer":>14s} {"AUROC":>8s} {"sens":>8s} {"lesion P":>9s} {"R":>7s} '
                 f'{"F1":>7s} {"Dice":>7s} {"TP/FN/FP":>12s} threshold']
        for name, v in rows:
            table.append(
                f'{name:>14s} {100 * v["patient_AUROC"]:8.2f} {100 * v["patient_sensitivity"]:8.2f}'
                f' {100 * v["lesion_precision"]:9.2f} {100 * v["lesion_recall"]:7.2f}'
                f' {100 * v["lesion_F1"]:7.2f} {100 * v["lesion_dice"]:7.2f}'
                f' {v["lesion_TP"]:>4d}/{v["lesion_FN"]}/{v["lesion_FP"]:<4d} '
                f'{v["lesion_threshold"]:.4g}')
        print_log('\n' + '\n'.join(table), logger=MMLogger.get_current_instance())
        return out

    @staticmethod
    def _labels(patient, slices):
        """(labels as a (Z, H, W) volume in slice order, which planes are slices): a gap in the
        slice indices becomes a void plane, so lesions do not connect across it."""
        shapes = {f['shape'] for _, f in slices}
        if len(shapes) > 1:
            raise InputError(f'patient {patient}: slices of different sizes {sorted(shapes)}; '
                             'a volume needs one size')
        real, previous = [], None
        for index, _ in slices:
            if previous is not None and index != previous + 1:
                real.append(False)
            real.append(True)
            previous = index
        real = np.array(real)
        return PatientMetric._stack(slices, real, lambda f: SpillFolder.load(f['labels']),
                                    255), real

    @staticmethod
    def _stack(slices, real, load, fill):
        """The planes ``load(frame)`` of the slices where ``real``, ``fill`` in the gaps."""
        first = load(slices[0][1])
        out = np.full((len(real), *first.shape), fill, first.dtype)
        out[real] = [first] + [load(f) for _, f in slices[1:]]
        return out
