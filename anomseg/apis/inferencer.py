"""Run a trained anomaly segmentor on images, folders, globs or videos and keep what users look at:
heatmaps, raw scores and, for a video, an MP4 of the heatmaps.

    inferencer = AnomalyInferencer('configs/...py', 'work_dirs/.../iter_600.pth', device='cpu')
    results = inferencer(list_of_bgr_images)          # [{'scores': {name: map}, 'sem_seg': ...}]
    inferencer.run('drive.mp4', 'outputs/drive', scores='npy')

Like mmseg's ``MMSegInferencer``: the model comes from a config and a checkpoint, and the
config's test pipeline (without its label loading) prepares every frame.
"""
import contextlib
import os
import os.path as osp
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import torch
from mmcv.cnn import ConvModule
from mmengine.dataset import Compose
from mmengine.infer import BaseInferencer
from mmengine.registry import init_default_scope
from mmengine.utils import ProgressBar
from mmseg.registry import MODELS

from anomseg.datasets.metainfo import train_metainfo
from anomseg.datasets.transforms.loading import IMAGE_LOADERS, LABEL_LOADERS
from anomseg.datasets.transforms.slice_stack import stacks_slices
from anomseg.models.scorers import build_scorers
from anomseg.ops.deform_attn import use_levelwise_deform_attn
from anomseg.utils.checkpoint import (check_checkpoint_fits, checkpoint_state,
                                      load_checkpoint_file)
from anomseg.utils.errors import InputError
from anomseg.utils.io import (atomic_file, check_output_writable, check_outside,
                              write_hdf5_atomic, write_image_atomic,
                              write_json_atomic, write_npy_atomic)
from anomseg.visualization import class_panel, grey_window, heatmap_overlay
from .frames import open_frames
from .model_index import resolve_model
from .run_config import load_config, require_mask_head
from .volume_inference import patient_scoring

NEEDS_LABELS = LABEL_LOADERS + ('LoadAnomalyAnnotations', 'AnomalyRegionOfInterest')
SCORE_FORMATS = ('npy', 'hdf5')


def _image(item):
    """A BGR uint8 image from an array or an image file (named when it is not one)."""
    if isinstance(item, np.ndarray):
        if item.ndim != 3 or item.shape[2] != 3 or item.dtype != np.uint8:
            raise InputError(f'an image array must be H x W x 3 uint8 (BGR), got '
                             f'{item.shape} {item.dtype}')
        return item
    image = cv2.imread(str(item), cv2.IMREAD_COLOR) if osp.isfile(str(item)) else None
    if image is None:
        raise InputError(f'{item}: not a readable image file')
    return image


class FrameInference:
    """What every inference backend shares: ``run`` over frames and the drawing. A backend sets
    ``scorers``, ``palette``, ``classes``, ``config_score_range`` and the scorer that range is
    for, ``config_range_scorer``, and implements
    ``infer_batch(images)`` -> [{'scores': {scorer: float32 (H, W)}, 'sem_seg': int64 (H, W)}]
    for BGR uint8 images."""

    scorers, classes, config_score_range, config_range_scorer = [], None, None, None
    palette = np.zeros((0, 3), np.uint8)
    volume_slicing = patient_scoring = None  # volumes: see anomseg.apis.volume_inference
    stacks_slices = False  # True: the model reads a slice with its neighbours, volumes only

    def __call__(self, inputs):
        """Infer ``inputs``: a BGR uint8 image (numpy, H x W x 3) or an image file -> one
        result; a list of those, a folder, a glob or a video (``open_frames``) -> a list of
        results, in order. A result is ``{'scores': {scorer: float32 (H, W)}, 'sem_seg': int64
        (H, W)}`` at the input's size. Every result is kept in memory: ``run`` writes a long
        video's frame by frame instead."""
        self.refuse_single_slices()
        if isinstance(inputs, np.ndarray) or (isinstance(inputs, str) and osp.isfile(inputs)
                                              and not open_frames(inputs).is_video):
            return self.infer_batch([_image(inputs)])[0]
        if isinstance(inputs, str):
            return [self.infer_batch([image])[0] for _, image in open_frames(inputs).frames()]
        return self.infer_batch([_image(x) for x in inputs])

    def infer_batch(self, images):
        raise NotImplementedError

    def check_frame(self, name, image):
        """Refuse a frame this backend cannot run, naming it (before any work on it)."""

    def refuse_single_slices(self):
        """A model that reads each slice with its neighbours (``LoadSliceStack``) would see a
        single image as a wrong stack: refuse it before any work."""
        if self.stacks_slices:
            raise InputError('this model reads each slice with the slices either side of it '
                             '(LoadSliceStack): give it volumes (tools/infer.py CONFIG CKPT '
                             'patient.nii.gz), or a slice dataset to tools/test.py, not images')

    def semantic_panel(self, sem_seg):
        """The class prediction in the training set's colours (BGR), with a legend of the
        classes it shows."""
        if not len(self.palette):
            raise InputError('the config names no palette for the class prediction')
        return class_panel(sem_seg, self.palette, self.classes)

    def run(self, source, out_dir, scorer=None, scores=None, vis=True, semantic=True,
            video=True, temporal_smoothing=0.0, score_range=None, per_frame_range=False,
            batch_size=1, progress=True, display_window=None):
        """Infer every frame of ``source`` (see ``open_frames``) and write under ``out_dir``:

        - ``vis/NAME.png``: heatmap of ``scorer`` (default: the first) with a colour bar, beside
          the class prediction when ``semantic``;
        - ``scores/NAME.npy`` (float16) or ``scores/NAME.hdf5`` (``value``, float16, gzip) for
          every scorer when ``scores`` is 'npy' / 'hdf5' (several scorers: ``NAME_SCORER``);
        - for a video, ``SOURCE_anomaly.mp4``: the heatmap panels at the source frame rate.

        Colour scale: ``score_range`` if given, else the config's visualisation range when
        ``scorer`` is the one it was set for (the config's first scorer, whatever ``scorer``
        overrides), else the 1st..99th percentile of the first frame;
        then fixed for all frames, so colours mean the same everywhere. ``per_frame_range`` uses
        each frame's own percentiles instead. ``temporal_smoothing`` = a in [0, 1) smooths the
        maps of consecutive frames of equal size: s~_t = (1 - a) s_t + a s~_{t-1}.
        ``display_window=(low, high)`` shows the image under the heatmap as grey levels
        stretched from [low, high] (medical slices); the model still sees the original.
        Every file is written atomically, and ``summary.json`` last: a folder without it holds
        an interrupted run (a rerun starts by removing an old one). Returns that summary.
        """
        self.refuse_single_slices()
        scorer = scorer or self.scorers[0]
        if scorer not in self.scorers:
            raise InputError(f'scorer {scorer!r} is not computed by this model: {self.scorers}')
        if scores is not None and scores not in SCORE_FORMATS:
            raise InputError(f'scores must be one of {SCORE_FORMATS} or None, got {scores!r}')
        if not 0 <= temporal_smoothing < 1:
            raise InputError(f'temporal_smoothing must lie in [0, 1), got {temporal_smoothing}')
        if semantic and vis and not len(self.palette):
            semantic = False
        src = open_frames(source)
        if osp.isdir(source):
            check_outside([source], out_dir, 'output folder')
        check_output_writable(out_dir)
        summary_path = osp.join(out_dir, 'summary.json')
        if osp.exists(summary_path):  # a rerun: the folder is complete again only at the end
            os.unlink(summary_path)
        if score_range is None and scorer == self.config_range_scorer and \
                self.config_score_range:
            score_range = tuple(self.config_score_range)
        bar = ProgressBar(src.count) if progress and src.count else None
        start, done, previous = time.perf_counter(), 0, None
        state = dict(score_range=score_range)
        writer_ctx = (_atomic_video(osp.join(out_dir, f'{src.name}_anomaly.mp4'), src.fps)
                      if src.is_video and video and vis else contextlib.nullcontext())

        def write_outputs(name, image, maps, sem_seg, writer):
            """Scores, heatmap panel and video frame of one frame (in the writer thread)."""
            if scores is not None:
                for key, value in maps.items():
                    stem = name if len(maps) == 1 else f'{name}_{key}'
                    path = osp.join(out_dir, 'scores', f'{stem}.{scores}')
                    if scores == 'npy':
                        write_npy_atomic(path, value.astype(np.float16))
                    else:
                        write_hdf5_atomic(path, value)
            if vis:
                lo, hi = state['score_range'] or np.percentile(maps[scorer], (1, 99))
                if not per_frame_range:
                    state['score_range'] = (float(lo), float(hi))
                shown = image if display_window is None else grey_window(image, *display_window)
                panel = heatmap_overlay(shown, maps[scorer], lo, hi, label=scorer)
                if semantic:
                    panel = np.hstack([panel, self.semantic_panel(sem_seg)])
                if writer is not None:
                    writer(panel)
                else:
                    write_image_atomic(osp.join(out_dir, 'vis', f'{name}.png'), panel)

        # One thread renders and writes frame t while the model runs on frame t + 1 (encoding
        # a PNG and the colour mapping release the GIL); frames stay in order.
        with writer_ctx as writer, ThreadPoolExecutor(max_workers=1) as pool:
            pending = None
            for names, images in _batches(src.frames(), batch_size):
                for name, image in zip(names, images):
                    self.check_frame(name, image)
                for name, image, result in zip(names, images, self.infer_batch(images)):
                    maps = result['scores']
                    if temporal_smoothing and previous is not None and \
                            previous[scorer].shape == maps[scorer].shape:
                        maps = {k: (1 - temporal_smoothing) * v + temporal_smoothing * previous[k]
                                for k, v in maps.items()}
                    previous = maps
                    if pending is not None:
                        pending.result()  # raises what the write raised
                    pending = pool.submit(write_outputs, name, image, maps, result['sem_seg'],
                                          writer)
                    done += 1
                    if bar is not None:
                        bar.update()
            if pending is not None:
                pending.result()
        score_range = state['score_range']
        seconds = time.perf_counter() - start
        if bar is not None:
            print()
        summary = dict(frames=done, seconds=seconds, fps=done / max(seconds, 1e-9),
                       scorer=scorer, score_range=score_range, out_dir=out_dir,
                       video=osp.join(out_dir, f'{src.name}_anomaly.mp4')
                       if src.is_video and video and vis else None)
        write_json_atomic(summary_path, summary)
        return summary


class AnomalyInferencer(FrameInference, BaseInferencer):
    """A model ready for inference: a model name (``tools/list_models.py``), or ``config`` (path)
    and ``checkpoint``; ``scorer`` overrides the config's scorers (names, comma-separated);
    ``device`` as torch names it; ``query_masks``: a mask transformer also returns its queries'
    masks (``query_masks`` in each result).

    An mmengine ``BaseInferencer``, as mmseg's ``MMSegInferencer``: ``preprocess`` (images or
    image files -> collated batches through the config's test pipeline, labels left out),
    ``forward`` (the model's ``test_step``), ``postprocess`` (SegDataSamples -> result dicts, or
    the samples themselves with ``return_datasamples``). ``visualize`` draws nothing: ``run``
    writes the heatmap panels and videos. Calling it takes what ``FrameInference.__call__``
    lists."""

    def __init__(self, config, checkpoint=None, device='cpu', scorer=None, cfg_options=None,
                 query_masks=False):
        config, checkpoint = resolve_model(config, checkpoint)
        cfg = load_config(config, cfg_options)
        # the config's visualisation range is for the config's own first scorer
        self.config_range_scorer = next(iter(build_scorers(cfg.model.test_cfg.scorer)), None) \
            if cfg.model.get('test_cfg', {}).get('scorer') else None
        if scorer:
            cfg.model.test_cfg.scorer = scorer
        if query_masks:
            require_mask_head(cfg)
            cfg.model.test_cfg.query_masks = True
        if checkpoint is not None:
            if not osp.isfile(checkpoint):
                raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
            cfg.model.backbone.pop('init_cfg', None)
            cfg.model.pop('pretrained', None)
        self.device = device
        scope = cfg.get('default_scope', 'mmseg')
        init_default_scope(scope)
        BaseInferencer.__init__(self, cfg, checkpoint, device, scope=scope, show_progress=False)
        self.scorers = list(self.model.scorers)
        hook = cfg.get('default_hooks', {}).get('visualization', {})
        self.config_score_range = hook.get('score_range')
        meta = train_metainfo(cfg)
        self.classes = meta.get('classes')
        self.volume_slicing = cfg.get('volume_slicing')
        self.stacks_slices = stacks_slices(cfg)
        self.patient_scoring = patient_scoring(cfg)
        self.palette = np.array(meta.get('palette') or [], np.uint8)

    def _init_model(self, cfg, weights, device):
        """The config's model with ``weights`` loaded by anomseg's loader (allow-listed
        unpickling, deltas expanded) and refused unless every tensor fits."""
        model = MODELS.build(cfg.model)
        if weights is not None:
            state = load_checkpoint_file(weights, map_location='cpu')
            check_checkpoint_fits(model, state, weights)
            model.load_state_dict(checkpoint_state(state))
        model.to(device).eval()
        if torch.device(device).type == 'cpu':
            optimise_for_cpu(model)
        return model

    def _init_pipeline(self, cfg):
        """The config's test pipeline for images in memory, without its label steps."""
        steps = []
        for step in cfg.test_dataloader.dataset.pipeline:
            kind = step['type']
            if kind in NEEDS_LABELS:
                continue
            if kind in IMAGE_LOADERS or kind == 'LoadSliceStack':  # stacked by the caller
                step = dict(type='LoadImageFromNDArray')
            elif kind == 'PackAnomalySegInputs':
                step = dict(type='PackSegInputs')
            steps.append(step)
        return Compose(steps)

    def _init_visualizer(self, cfg):
        return None  # FrameInference draws the panels

    def preprocess(self, inputs, batch_size=1):
        """BGR uint8 images or image files -> collated batches of ``batch_size``."""
        data = (self.pipeline(dict(img=_image(x))) for x in inputs)
        yield from map(self.collate_fn, self._get_chunk_data(data, batch_size))

    def visualize(self, inputs, preds):
        return None

    def postprocess(self, preds, visualization=None, return_datasamples=False):
        """SegDataSamples -> [{'scores': {scorer: float32 (H, W)}, 'sem_seg': int64 (H, W)}]
        (and ``query_masks`` where asked for), or the samples with ``return_datasamples``."""
        if return_datasamples:
            return preds
        results = []
        for sample in preds:
            pa = sample.pred_anomaly
            results.append(dict(
                scores={name: pa.get(name)[0].float().cpu().numpy() for name in pa.scorers},
                sem_seg=sample.pred_sem_seg.data[0].cpu().numpy()))
            if 'pred_query_masks' in sample:
                results[-1]['query_masks'] = sample.pred_query_masks.cpu().numpy()
        return results

    def infer_batch(self, images):
        """BGR uint8 images -> their results, at each image's own size: one batch through
        ``preprocess``, ``forward`` and ``postprocess``."""
        preds = []
        for batch in self.preprocess(images, batch_size=len(images)):
            preds.extend(self.forward(batch))
        return self.postprocess(preds)


def optimise_for_cpu(model):
    """Inference speed-ups on CPU that keep the module tree (hooks, e.g. RPL's, still find
    their modules) and give the same outputs to float rounding:

    - each BatchNorm after a convolution of an mmcv ``ConvModule`` folded into it at run time
      (mmcv's ``efficient_conv_bn_eval``; eval mode only), and the backbone run on NHWC
      tensors, where oneDNN's convolutions are faster (MobileNetV2 at 1280x720 on 2 cores:
      369 -> 133 ms, features within 4e-8); its features go on as NCHW, since the heads'
      upsampling and attention are slower on NHWC;
    - Mask2Former's deformable attention computed level by level
      (``anomseg.ops.deform_attn``: its head 763 -> 470 ms at 1280x720)."""
    for module in model.modules():
        if isinstance(module, ConvModule):
            module.turn_on_efficient_conv_bn_eval(True)
    model.backbone.to(memory_format=torch.channels_last)
    model.backbone.register_forward_hook(
        lambda module, args, outputs: type(outputs)(f.contiguous() for f in outputs))
    return use_levelwise_deform_attn(model)


def _batches(frames, size):
    names, images = [], []
    for name, image in frames:
        names.append(name)
        images.append(image)
        if len(images) == size:
            yield names, images
            names, images = [], []
    if images:
        yield names, images


def _fit(image, size):
    """``image`` scaled down to fit (H, W) ``size`` if larger, then padded with white."""
    h, w = size
    scale = min(1.0, h / image.shape[0], w / image.shape[1])
    if scale < 1:
        image = cv2.resize(image, (max(1, int(image.shape[1] * scale)),
                                   max(1, int(image.shape[0] * scale))),
                           interpolation=cv2.INTER_AREA)
    out = np.full((h, w, 3), 255, np.uint8)
    out[:image.shape[0], :image.shape[1]] = image
    return out


@contextlib.contextmanager
def _atomic_video(path, fps):
    """Yield ``write(frame)``; the MP4 appears at ``path`` only once complete."""
    state = {}

    def write(frame):
        if 'writer' not in state:
            h, w = frame.shape[:2]
            state['writer'] = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
            if not state['writer'].isOpened():
                raise OSError(f'{path}: OpenCV cannot write MP4 video')
            state['size'] = (h, w)
        if frame.shape[:2] != state['size']:  # e.g. a colour bar whose labels changed width
            frame = _fit(frame, state['size'])
        state['writer'].write(np.ascontiguousarray(frame))

    with atomic_file(path, suffix='.mp4') as tmp:
        try:
            yield write
        finally:
            if 'writer' in state:
                state['writer'].release()
        if 'writer' not in state:
            raise InputError(f'{path}: no frame was decoded, so no video was written')
