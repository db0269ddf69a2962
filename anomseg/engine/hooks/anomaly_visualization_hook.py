import os.path as osp

import mmcv
import numpy as np
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from anomseg.datasets.metainfo import train_metainfo
from anomseg.utils.io import write_image_atomic
from anomseg.visualization import heatmap_overlay


@HOOKS.register_module()
class AnomalyVisualizationHook(Hook):
    """While testing, write for each frame a panel: anomaly heatmap over the image (with colour
    bar) beside the colourised class prediction, as ``out_dir/{image stem}.png``.

    ``score_range=(vmin, vmax)`` fixes the colour scale for every frame; by default each frame
    spans its own 1st..99th percentile. ``scorer`` picks the map (default: the model's first).
    Classes are coloured with ``palette``, by default that of the dataset the model was trained on
    (an anomaly test set knows only inlier/anomaly).
    """
    priority = 'NORMAL'

    def __init__(self, draw=False, interval=1, out_dir=None, scorer=None, score_range=None,
                 alpha=0.55, palette=None, backend_args=None):
        self.draw = draw
        self.interval = interval
        self.out_dir = out_dir
        self.scorer = scorer
        self.score_range = score_range
        self.alpha = alpha
        self.palette = palette
        self.backend_args = backend_args

    def before_test(self, runner):
        if self.palette is None:
            self.palette = train_metainfo(runner.cfg).get('palette') or \
                runner.test_dataloader.dataset.metainfo.get('palette')

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
            vmin, vmax = self.score_range or np.percentile(scores, (1, 99))
            panels = [heatmap_overlay(image, scores, vmin, vmax, self.alpha)]
            if 'pred_sem_seg' in sample and len(palette):
                pred = sample.pred_sem_seg.data.squeeze(0).cpu().numpy()
                seg = palette[np.clip(pred, 0, len(palette) - 1)][..., ::-1]
                panels.append(mmcv.imresize(seg, image.shape[1::-1], interpolation='nearest'))
            stem = osp.splitext(osp.basename(sample.img_path))[0]
            write_image_atomic(osp.join(self.out_dir, f'{stem}.png'), np.hstack(panels))
