import os.path as osp

import mmcv
import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from anomseg.datasets.metainfo import train_metainfo
from anomseg.utils.io import write_image_atomic
from anomseg.visualization import class_panel, heatmap_overlay


@HOOKS.register_module()
class AnomalyVisualizationHook(Hook):
    """While testing, write for each frame a panel: anomaly heatmap over the image (with a colour
    bar naming the scorer) beside the colourised class prediction with a legend of its classes,
    as ``out_dir/{image stem}.png``.

    ``score_range=(vmin, vmax)`` fixes the colour scale for every frame when the map drawn is
    that of ``score_range_scorer`` (the scorer the range was chosen for; ``tools/test.py`` sets
    it to the config's first scorer, so ``--scorer`` does not paint another scorer on a range
    that is not its own); otherwise each frame spans its own 1st..99th percentile. ``scorer``
    picks the map (default: the model's first).
    Classes are coloured with ``palette``, by default that of the dataset the model was trained on
    (an anomaly test set knows only inlier/anomaly).
    """
    priority = 'NORMAL'

    def __init__(self, draw=False, interval=1, out_dir=None, scorer=None, score_range=None,
                 score_range_scorer=None, alpha=0.55, palette=None, backend_args=None):
        self.draw = draw
        self.interval = interval
        self.out_dir = out_dir
        self.scorer = scorer
        self.score_range = score_range
        self.score_range_scorer = score_range_scorer
        self.alpha = alpha
        self.palette = palette
        self.backend_args = backend_args

    def before_test(self, runner):
        meta = train_metainfo(runner.cfg)
        if self.palette is None:
            self.palette = meta.get('palette') or \
                runner.test_dataloader.dataset.metainfo.get('palette')
        self.classes = meta.get('classes')

    def after_test_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        if not (self.draw and self.out_dir) or not self.every_n_inner_iters(batch_idx,
                                                                           self.interval):
            return
        palette = np.array(self.palette or [], np.uint8)
        for sample in outputs:
            if 'pred_anomaly' not in sample:
                continue
            image = mmcv.imread(sample.img_path, backend_args=self.backend_args)
            name = self.scorer or sample.pred_anomaly.scorers[0]
            scores = sample.pred_anomaly.get(name).squeeze(0).float().cpu().numpy()
            if image.shape[:2] != scores.shape:  # evaluated at another size (published protocol)
                image = mmcv.imresize(image, scores.shape[::-1])
            own = self.score_range and self.score_range_scorer in (None, name)
            vmin, vmax = self.score_range if own else np.percentile(scores, (1, 99))
            panels = [heatmap_overlay(image, scores, vmin, vmax, self.alpha, label=name)]
            if 'pred_sem_seg' in sample and len(palette):
                pred = sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
                panels.append(class_panel(pred, palette, self.classes, image.shape[:2]))
            stem = osp.splitext(osp.basename(sample.img_path))[0]
            write_image_atomic(osp.join(self.out_dir, f'{stem}.png'), np.hstack(panels))
