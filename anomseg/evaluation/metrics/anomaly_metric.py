import csv
import io
import os.path as osp

import numpy as np
from mmengine.dist import get_dist_info
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS

from anomseg.evaluation.functional import (COMPONENT_SIZE_FILTERS, ScoreCounts, component_metrics,
                                           curve_metrics, frame_bins_sorted,
                                           frame_components, frame_instance_stats, frame_summary,
                                           instance_ap, instances_from_queries,
                                           instances_from_scores, merge_frame_bins,
                                           smiyc_curve_metrics, split_sorted)
from anomseg.utils.errors import InputError
from anomseg.utils.io import write_bytes_atomic, write_npy_atomic
from anomseg.utils.score_files import read_score_file
from anomseg.utils.spill import SpillFolder, read_ahead
from ..report import ReportFrames, write_run_report
from .gathered import evaluate_gathered

# Order-preserving maps into [0, 1] for the SMIYC-binned metrics, with their inverses.
UNIT_MAPS = {
    None: (lambda s: s, lambda u: u),
    'arctan': (lambda s: 0.5 + np.arctan(np.asarray(s, np.float64)) / np.pi,
               lambda u: float(np.tan(np.pi * (u - 0.5)))),
}

REPORT_COLUMNS = ('frame', 'anomaly_pixels', 'inlier_pixels', 'AP', 'FPR95', 'mean_inlier_score',
                  'mean_anomaly_score')


@METRICS.register_module()
class AnomalyMetric(BaseMetric):
    """Pixel- and component-level anomaly metrics for every scorer the model ran.

    Reads ``pred_anomaly`` (one field per scorer) and ``gt_anomaly`` (1 anomaly, 0 inlier, any
    other value void) of each sample; ``gt_key`` reads another packed label instead, e.g.
    ``'gt_anomaly_roi'`` (``AnomalyRegionOfInterest``): two metrics with different ``prefix``
    then give the same scores over the whole frame and over a region of interest. Results are
    fractions keyed ``{scorer}/{metric}``:

    - always, over all pixels (``anomseg.evaluation.functional.pixel_curves``: counts per
      distinct score, exact while at most 2**20 are distinct, then in order-preserving buckets;
      memory does not grow with the number of frames): ``AP``, ``AUROC``, ``FPR95``,
      ``FPR95_interp``;
    - ``smiyc=True``: the SegmentMeIfYouCan evaluator's percentile-bin procedure (768 bins per
      frame; ``smiyc_curves``): ``AP_smiyc``, ``AUROC_smiyc``, ``FPR95_smiyc``, ``best_F1_smiyc``,
      ``best_F1_threshold``; ``smiyc_uniform=True`` adds its uniform-threshold variant (4096 bins)
      as ``..._smiyc_uni``. Both need scores in [0, 1], as the official bins span [0, 1]; for
      scorers without that range (energy, max logit, RbA) pass ``unit_map='arctan'``: these
      metrics then read u = 1/2 + arctan(s) / pi in float64. Any increasing map into [0, 1]
      gives each frame's percentile bins the same pixels; only where two frames' interpolated
      bin edges fall between the same pair of scores may another map order them otherwise when
      frames are merged (differences under 1e-3, tested). Thresholds are reported back as
      scores, s = tan(pi (u - 1/2)); the exact metrics always read the raw scores;
    - ``components='AnomalyTrack'`` (or ``'ObstacleTrack'``, ``'LostAndFoundNoKnown'``, or a
      ``(min_pred_px, min_gt_px)`` pair; implies ``smiyc``): component metrics at the best-F1
      threshold of the percentile curve, as the official evaluation chains them: ``sIoU_gt``,
      ``sIoU_pred``, ``PPV``, ``mean_F1``, ``F1_25``/``F1_50``/``F1_75``. They need every frame
      again once that threshold is known: they are read again from where they came (``add``'s
      ``sources``: the score files of ``tools/eval_scores.py``, or ``output_dir``), else kept in
      a temporary folder (written by a background thread, ``anomseg.utils.spill``), not in
      memory; the labels go there compressed, a few tens of KiB a frame.
      Frames with instance ground truth (``gt_anomaly_instances``) also give OoDIS's instance
      ``AP_inst`` and ``AP50_inst``, predicted instances being the 8-connected components above
      that threshold, each as confident as its mean score (``functional.instances``). Where the
      model also gives its queries' masks (``pred_query_masks``: a mask transformer with
      ``test_cfg.query_masks=True``, ``tools/test.py --instances queries``), the instances of
      its queries give ``AP_inst_queries`` and ``AP50_inst_queries``: each non-empty query mask
      (sigmoid > 0.5) is an instance, as confident as the mean anomaly score inside it
      (``instances_from_queries``); no threshold is involved.

    Frames that also carry semantic labels (``gt_sem_seg``) add the closed-set ``mIoU`` and
    ``mDice`` (2 |P & G| / (|P| + |G|) per class, averaged) over the model's classes
    (``dataset_meta``), computed as mmseg's ``IoUMetric`` does, and each class's ``IoU.{class}``
    and ``Dice.{class}``; ``semantic=False`` leaves them to another metric of the same run.

    With ``report_dir``, the run's report there (``anomseg.evaluation.report``): ``report.html``
    (one page: the run's identity ``report_meta``, the metrics of every scorer with their
    definitions, PR / ROC curves and score histograms of all scorers, a gallery of the worst and
    best frames and a sortable per-frame table), ``report.json`` and ``report_files/``; with a
    ``prefix`` they are named ``{prefix}_report.*``. ``report_score_range=(vmin, vmax, scorer)``
    is the colour range the config set for one scorer. Also, per scorer,
    ``{report_name}_{scorer}_frames.csv``: per frame its pixel counts, its own AP and FPR95 and
    mean scores, worst first (frames with anomalies by AP ascending, then frames without by mean
    inlier score descending). The report's panels come from what ``ReportFrames`` keeps as the
    frames pass (thumbnails, and the gallery's frames at full size).

    With ``anomalous_frames_only``, frames without a single anomaly pixel are left out (the
    protocol of evaluation codes that skip them, e.g. the published ERFNet anomaly table).

    With ``output_dir``, each frame's maps are also saved as ``output_dir/{scorer}/{stem}.npy``
    (float32, input resolution), the layout ``tools/eval_scores.py`` reads. Several processes
    each count their own frames and the counts are gathered at the end; use a sampler that does
    not repeat frames to even out the processes (``DefaultSampler(round_up=False)``), or give
    ``evaluate`` the dataset's length (mmengine's evaluator does): then the repeats of a padding
    sampler (``DefaultSampler``'s default) are dropped.
    """
    default_prefix = None

    def __init__(self, metrics=('AP', 'AUROC', 'FPR95', 'FPR95_interp'), smiyc=False,
                 smiyc_uniform=False, components=None, output_dir=None, report_dir=None,
                 report_name='test', unit_map=None, anomalous_frames_only=False,
                 gt_key='gt_anomaly', semantic=True, report_meta=None, report_score_range=None,
                 **kwargs):
        super().__init__(**kwargs)
        if unit_map not in UNIT_MAPS and unit_map != 'auto':
            raise InputError(f"unit_map must be one of {list(UNIT_MAPS) + ['auto']}, got "
                             f'{unit_map!r}')
        self.unit_map = unit_map
        self.gt_key = gt_key
        self.semantic = semantic
        self.anomalous_frames_only = anomalous_frames_only
        self.metrics = tuple(metrics)
        if isinstance(components, str):
            if components not in COMPONENT_SIZE_FILTERS:
                raise InputError(f'components must be one of {list(COMPONENT_SIZE_FILTERS)} or a '
                                 f'(min_pred_px, min_gt_px) pair, got {components!r}')
            components = COMPONENT_SIZE_FILTERS[components]
        self.components = tuple(components) if components else None
        self.smiyc = smiyc or self.components is not None
        self.smiyc_uniform = smiyc_uniform
        self.output_dir = output_dir
        self.report_dir = report_dir
        self.report_name = report_name
        self.report_meta = dict(report_meta or {})
        self.report_score_range = report_score_range
        self._reset()

    def _reset(self):
        self._counts, self._bins, self._bins_uni, self._frames = {}, {}, {}, []
        self._spill, self._iou, self._pending, self._seen = None, None, None, 0
        self._report = None  # ReportFrames of the first scorer
        self._unit = {}  # scorer: the unit map its SMIYC bins use

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            if self.gt_key not in sample:
                raise InputError(f'{sample.get("img_path", "a sample")} has no {self.gt_key}: load '
                                 'anomaly labels with LoadAnomalyAnnotations in the test pipeline'
                                 + (' and add AnomalyRegionOfInterest' if self.gt_key ==
                                    'gt_anomaly_roi' else ''))
            pred = sample['pred_anomaly']
            maps = {name: pred[name].squeeze(0).cpu().numpy() for name in pred['scorers']}
            stem = osp.splitext(osp.basename(sample.get('img_path', str(self._seen))))[0]
            iou = None
            if self.semantic and 'gt_sem_seg' in sample and 'pred_sem_seg' in sample:
                iou = IoUMetric.intersect_and_union(
                    sample['pred_sem_seg']['data'].squeeze(0).cpu(),
                    sample['gt_sem_seg']['data'].squeeze(0).cpu(),
                    len(self.dataset_meta['classes']), 255)
            instances = sample.get('gt_anomaly_instances')
            sources = None
            if self.output_dir:
                sources = {name: osp.join(self.output_dir, name, f'{stem}.npy') for name in maps}
                for name, scores in maps.items():
                    maps[name] = scores = scores.astype(np.float32, copy=False)
                    write_npy_atomic(sources[name], scores)
            # Held back until the next frame: the last frame of a process may be a sampler's
            # padding repeat, known only in evaluate().
            self._commit(self._pending)
            self._pending = self._measure(
                stem, sample[self.gt_key]['data'].squeeze(0).cpu().numpy(), maps,
                None if instances is None else instances['data'].squeeze(0).cpu().numpy(), iou,
                sample.get('img_path'),
                sample['pred_query_masks'].cpu().numpy() if 'pred_query_masks' in sample else None,
                sources)

    def add(self, stem, labels, maps, instances=None, img_path=None, query_masks=None,
            sources=None):
        """Count one frame: labels (H, W), {scorer: (H, W) scores} and optionally an instance map
        (H, W), the image (for the report) and query masks (N, H, W). ``sources``: {scorer: the
        ``.npy`` / ``.hdf5`` file its map can be read again from} (the component metrics read
        it there at the end instead of keeping a copy). ``process`` feeds model outputs through
        here, ``tools/eval_scores.py`` saved maps."""
        self._commit(self._measure(stem, labels, maps, instances, img_path=img_path,
                                   query_masks=query_masks, sources=sources))

    def _measure(self, stem, labels, maps, instances=None, iou=None, img_path=None,
                 query_masks=None, sources=None):
        """One frame's contribution (sorted scores, bins, spilled arrays, report row, IoU
        areas). Each map is sorted once (``split_sorted``); the exact counts, the SMIYC bins and
        the report row all read those sorted scores."""
        index = self._seen
        self._seen += 1
        if self.anomalous_frames_only and not (labels == 1).any():
            return None
        frame, parts, bins, bins_uni = dict(stem=stem, img_path=img_path), {}, {}, {}
        for name, scores in maps.items():
            if scores.shape != labels.shape:
                raise InputError(f'{stem}: scores of shape {scores.shape} ({name}) do not match '
                                 f'labels of shape {labels.shape}')
            try:
                parts[name] = pos, neg = split_sorted(scores, labels)
            except ValueError as err:
                raise InputError(f'{stem}: scorer {name!r}: {err}') from None
            if self.smiyc or self.smiyc_uniform:
                unit = self._unit_parts(stem, name, pos, neg)
            if self.smiyc:
                bins[name] = frame_bins_sorted(*unit)
            if self.smiyc_uniform:
                bins_uni[name] = frame_bins_sorted(*unit, strategy='uniform')
            if self.report_dir:
                frame.setdefault('report', {})[name] = frame_summary(pos, neg)
            if query_masks is not None and instances is not None:
                masks, confidences = instances_from_queries(query_masks, scores)
                frame.setdefault('query_instances', {})[name] = frame_instance_stats(
                    instances, labels == 255, masks, confidences)
        if self.components:  # the component pass reads every frame again
            if self._spill is None:
                self._spill = SpillFolder()
            frame['labels'] = self._spill.put(f'{index}_labels', labels, compress=True)
            if instances is not None:
                frame['instances'] = self._spill.put(f'{index}_instances', instances,
                                                     compress=True)
            for name in maps:
                frame[name] = (sources or {}).get(name) or self._spill.put(f'{index}_{name}',
                                                                           maps[name])
        report = None
        if self.report_dir:
            first = next(iter(maps))
            report = (first, stem, img_path, labels, maps[first], frame['report'][first])
        return dict(frame=frame, parts=parts, bins=bins, bins_uni=bins_uni, iou=iou,
                    report=report)

    def _unit_parts(self, stem, name, pos, neg):
        """The scores the SMIYC procedures read, still sorted: as they are, or through
        ``unit_map`` (for ``'auto'`` chosen on the scorer's first frame with labelled pixels: as
        they are if that frame lies in [0, 1], else arctan)."""
        ends = [v for p in (pos, neg) if p.size for v in (p[0], p[-1])]
        if name not in self._unit and ends:  # a frame without labelled pixels decides nothing
            self._unit[name] = self.unit_map if self.unit_map != 'auto' else (
                None if all(0 <= v <= 1 for v in ends) else 'arctan')
        forward = UNIT_MAPS[self._unit.get(name, self.unit_map if self.unit_map != 'auto'
                                           else None)][0]
        unit = forward(pos), forward(neg)
        for part in unit:
            if part.size and (part[0] < 0 or part[-1] > 1):
                raise InputError(
                    f'{stem}: scorer {name!r} gave scores in [{part[0]:.4g}, {part[-1]:.4g}]; '
                    'SMIYC binning needs [0, 1] (its bins span [0, 1]): pass '
                    "unit_map='arctan' (tools/eval_scores.py: --unit-map arctan) or evaluate "
                    'without smiyc/components')
        return unit

    def _commit(self, measured):
        if measured is None:
            return
        for name, (pos, neg) in measured['parts'].items():
            self._counts.setdefault(name, ScoreCounts()).update_sorted(pos, neg)
        for src, dst in ((measured['bins'], self._bins), (measured['bins_uni'], self._bins_uni)):
            for name, b in src.items():
                dst.setdefault(name, []).append(b)
        self._frames.append(measured['frame'])
        if measured['report'] is not None:
            scorer, *frame = measured['report']
            if self._report is None:
                self._report = ReportFrames(scorer)
            self._report.add(*frame)
        iou = measured['iou']
        if iou is not None:
            self._iou = iou if self._iou is None else [a + b for a, b in zip(self._iou, iou)]

    def _second_pass(self, frames, name, threshold):
        """Component (and, where labelled, instance) metrics at the best-F1 threshold, reading
        each kept frame once."""
        components, instances = [], []

        def read(f):
            return (UNIT_MAPS[self._unit[name]][0](read_score_file(f[name])),
                    SpillFolder.load(f['labels']))

        for f, (scores, labels) in zip(frames, read_ahead(frames, read)):
            components.append(frame_components(scores, labels, threshold, *self.components))
            if 'instances' in f:
                void = labels == 255
                ids, confidences = instances_from_scores(scores, threshold, void)
                instances.append(frame_instance_stats(SpillFolder.load(f['instances']), void,
                                                      ids, confidences))
        comp = component_metrics(components)
        out = {k: comp[k] for k in ('sIoU_gt', 'sIoU_pred', 'PPV', 'mean_F1', 'F1_25', 'F1_50',
                                    'F1_75')}
        if instances:
            inst = instance_ap(instances)
            out.update(AP_inst=inst['AP'], AP50_inst=inst['AP50'])
        return out

    def evaluate(self, size=None):
        """Metrics over the frames of every process. ``size`` (the dataset's length, as
        mmengine's evaluator passes it) drops the repeats that a distributed sampler pads the
        processes with, as mmengine's ``collect_results`` does: process r's k-th frame is frame
        k * world_size + r of the padded order, and only the last frame of a process can be a
        repeat."""
        rank, world_size = get_dist_info()
        if self._pending is not None and (size is None or
                                          (self._seen - 1) * world_size + rank < size):
            self._commit(self._pending)
        self._pending = None
        if self._spill:
            self._spill.flush()  # other processes may read these frames next
        state = dict(counts=self._counts, bins=self._bins, bins_uni=self._bins_uni,
                     frames=self._frames, iou=self._iou, unit=self._unit,
                     report=self._report)
        return evaluate_gathered(self, state, self._spill)

    def compute_metrics(self, states):
        counts, bins, bins_uni, frames, report = {}, {}, {}, [], None
        for state in states:
            if state['report'] is not None:
                report = state['report'] if report is None else report.merge(state['report'])
            for name, c in state['counts'].items():
                counts[name] = counts[name].merge(c) if name in counts else c
            for src, dst in ((state['bins'], bins), (state['bins_uni'], bins_uni)):
                for name, b in src.items():
                    dst.setdefault(name, []).extend(b)
            frames.extend(state['frames'])
            for name, unit in state['unit'].items():
                if self._unit.setdefault(name, unit) != unit:
                    raise InputError(f"scorer {name!r}: unit_map='auto' chose differently in two "
                                     "processes; set unit_map to None or 'arctan'")
        out, rows = {}, []
        ious = [s['iou'] for s in states if s['iou'] is not None]
        if ious:
            intersect, union = (sum(s[i] for s in ious) for i in (0, 1))
            iou = (intersect / union).numpy()
            dice = (2 * intersect / (union + intersect)).numpy()
            out['mIoU'] = float(np.nanmean(iou))
            out['mDice'] = float(np.nanmean(dice))
            for name, i, d in zip(self.dataset_meta['classes'], iou, dice):
                out[f'IoU.{name}'], out[f'Dice.{name}'] = float(i), float(d)
        for name, c in counts.items():
            exact = curve_metrics(c)
            values = {m: exact[m] for m in self.metrics}
            if name in bins:
                smiyc = smiyc_curve_metrics(*merge_frame_bins(bins[name]))
                values.update(AP_smiyc=smiyc['AP'], AUROC_smiyc=smiyc['AUROC'],
                              FPR95_smiyc=smiyc['FPR95'], best_F1_smiyc=smiyc['best_F1'],
                              best_F1_threshold=smiyc['best_F1_threshold'])
            if name in bins_uni:
                uni = smiyc_curve_metrics(*merge_frame_bins(bins_uni[name], 'uniform'))
                values.update(AP_smiyc_uni=uni['AP'], AUROC_smiyc_uni=uni['AUROC'],
                              FPR95_smiyc_uni=uni['FPR95'], best_F1_smiyc_uni=uni['best_F1'])
            if self.components:
                values.update(self._second_pass(frames, name, values['best_F1_threshold']))
            queried = [f['query_instances'][name] for f in frames if 'query_instances' in f]
            if queried:
                inst = instance_ap(queried)
                values.update(AP_inst_queries=inst['AP'], AP50_inst_queries=inst['AP50'])
            if name in bins:
                values['best_F1_threshold'] = UNIT_MAPS[self._unit[name]][1](
                    values['best_F1_threshold'])
            out.update({f'{name}/{k}': v for k, v in values.items()})
            rows.append((name, values))
            if self.report_dir:
                self._write_frames_csv(name, frames)
        if self.report_dir and rows:
            page = write_run_report(
                self.report_dir, self.report_meta, dict(rows), counts, frames, report,
                score_range=self.report_score_range,
                name=f'{self.prefix}_report' if self.prefix else 'report')
            print_log(f'report: {page}', logger=MMLogger.get_current_instance())
        keys = list(rows[0][1]) if rows else []
        table = [f'{"scorer":>14s} ' + ' '.join(f'{k:>12.12s}' for k in keys)]
        table += [f'{name:>14s} ' + ' '.join(
            f'{v[k]:>12.4f}' if 'threshold' in k else f'{100 * v[k]:>12.2f}' for k in keys)
            for name, v in rows]
        if 'mIoU' in out:
            table.append(f'closed-set mIoU: {100 * out["mIoU"]:.2f}, mDice: '
                         f'{100 * out["mDice"]:.2f}')
        print_log('\n' + '\n'.join(table) + '\n(percent; thresholds as scores)',
                  logger=MMLogger.get_current_instance())
        return out

    def _write_frames_csv(self, name, frames):
        base = osp.join(self.report_dir, f'{self.report_name}_{name}')
        rows = [dict(frame=f['stem'], **f['report'][name]) for f in frames]
        rows.sort(key=lambda r: (0, r['AP']) if r['anomaly_pixels'] else
                  (1, -r['mean_inlier_score'] if r['inlier_pixels'] else 0))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, REPORT_COLUMNS, lineterminator='\n')
        writer.writeheader()
        writer.writerows(rows)
        write_bytes_atomic(f'{base}_frames.csv', buf.getvalue().encode())
