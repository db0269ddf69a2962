import io
import os.path as osp

import numpy as np
from mmengine.evaluator import BaseMetric
from mmengine.logging import MMLogger, print_log
from mmseg.registry import METRICS

from anomseg.evaluation.functional import ScoreCounts, curve_metrics
from anomseg.utils.io import write_bytes_atomic


@METRICS.register_module()
class AnomalyMetric(BaseMetric):
    """Pixel-level anomaly metrics (AP, AUROC, FPR95) for every scorer the model ran.

    Reads ``pred_anomaly`` (one field per scorer) and ``gt_anomaly`` (1 anomaly, 0 inlier, any
    other value void) of each sample. Counts per distinct score are accumulated as frames arrive
    (see ``anomseg.evaluation.functional.pixel_curves``), so memory does not grow with the number
    of frames. Results are fractions, keyed ``{scorer}/{metric}``.

    With ``output_dir``, each frame's maps are also saved as ``output_dir/{scorer}/{stem}.npy``
    (float32, input resolution), the layout ``tools/eval_scores.py`` reads.
    """
    default_prefix = None

    def __init__(self, metrics=('AP', 'AUROC', 'FPR95', 'FPR95_interp'), output_dir=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.metrics = tuple(metrics)
        self.output_dir = output_dir

    def process(self, data_batch, data_samples):
        if not self.results:
            self.results.append({})
        counts = self.results[0]
        for sample in data_samples:
            if 'gt_anomaly' not in sample:
                raise KeyError(f'{sample.get("img_path", "a sample")} has no gt_anomaly: load '
                               'anomaly labels with LoadAnomalyAnnotations in the test pipeline')
            labels = sample['gt_anomaly']['data'].squeeze(0).cpu().numpy()
            pred = sample['pred_anomaly']
            for name in pred['scorers']:
                scores = pred[name].squeeze(0).cpu().numpy()
                counts.setdefault(name, ScoreCounts()).update(scores, labels)
                if self.output_dir:
                    stem = osp.splitext(osp.basename(sample['img_path']))[0]
                    buf = io.BytesIO()
                    np.save(buf, scores.astype(np.float32))
                    write_bytes_atomic(osp.join(self.output_dir, name, f'{stem}.npy'),
                                       buf.getvalue())

    def compute_metrics(self, results):
        merged = {}
        for part in results:  # one dict per process
            for name, counts in part.items():
                if name in merged:
                    merged[name].merge(counts)
                else:
                    merged[name] = counts
        logger = MMLogger.get_current_instance()
        out, rows = {}, []
        for name, counts in merged.items():
            values = curve_metrics(counts)
            rows.append(f'{name:>14s} ' + ' '.join(f'{100 * values[m]:>12.2f}'
                                                   for m in self.metrics))
            out.update({f'{name}/{m}': values[m] for m in self.metrics})
        header = f'{"scorer":>14s} ' + ' '.join(f'{m + " %":>12s}' for m in self.metrics)
        print_log('\n' + '\n'.join([header, *rows]), logger=logger)
        return out
