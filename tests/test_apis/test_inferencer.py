import glob
import os
import os.path as osp

import cv2
import h5py
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from anomseg.apis import AnomalyInferencer
from anomseg.utils.errors import InputError
from anomseg.visualization import class_legend, class_panel, colour_bar
from tests.conftest import REPO, require_shared
from tests.test_apis.test_frames import write_video

CFG = osp.join(REPO, 'configs', 'mask2former', 'mask2former-lite_mnv2_1xb4-1k_synthroad-256x256.py')


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    """Random weights of the config's model, saved as mmengine saves a checkpoint."""
    cfg = Config.fromfile(CFG)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    path = str(tmp_path_factory.mktemp('ckpt') / 'model.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


@pytest.fixture(scope='module')
def inferencer(checkpoint):
    return AnomalyInferencer(CFG, checkpoint, scorer='rba,msp')


def test_results_match_the_model_on_real_frames(inferencer, tmp_path):
    frames = sorted(glob.glob(osp.join(require_shared('data', 'RoadAnomaly_jpg', 'frames'),
                                       '*.jpg')))[:2]
    out = str(tmp_path / 'out')
    summary = inferencer.run(frames[0], out, scores='npy', progress=False)
    assert summary['frames'] == 1 and summary['score_range'] == (-2.0, 0.0)  # config's range
    image = cv2.imread(frames[0])
    direct = inferencer([image])[0]
    stem = osp.splitext(osp.basename(frames[0]))[0]
    saved = np.load(osp.join(out, 'scores', f'{stem}_rba.npy'))
    assert saved.dtype == np.float16 and saved.shape == image.shape[:2]
    assert np.array_equal(saved, direct['scores']['rba'].astype(np.float16))
    # msp = 1 - max softmax of 9 classes lies in [0, 8/9]; rba = -sum tanh(L_k) in [-9, 0]
    assert 0 <= direct['scores']['msp'].min() and direct['scores']['msp'].max() <= 8 / 9 + 1e-6
    assert -9 <= direct['scores']['rba'].min() and direct['scores']['rba'].max() <= 0
    assert direct['sem_seg'].shape == image.shape[:2]
    vis = cv2.imread(osp.join(out, 'vis', f'{stem}.png'))
    # heatmap + its colour bar + class prediction with its legend, at the image's height
    bar = colour_bar(image.shape[0], -2.0, 0.0, label='rba')
    classes = class_panel(direct['sem_seg'], inferencer.palette, inferencer.classes)
    assert vis.shape == (image.shape[0], image.shape[1] + bar.shape[1] + classes.shape[1], 3)


def test_a_scorer_is_not_painted_on_another_scorers_range(checkpoint, tiny_synthroad, tmp_path):
    """The config's range (-2, 0) is RbA's; --scorer msp used to be drawn on it."""
    msp = AnomalyInferencer(CFG, checkpoint, scorer='msp')
    assert msp.config_range_scorer == 'rba' and msp.config_score_range == (-2.0, 0.0)
    src = osp.join(tiny_synthroad, 'anomaly', 'images', 'anomaly_0000.png')
    summary = msp.run(src, str(tmp_path / 'out'), progress=False)
    scores = msp([cv2.imread(src)])[0]['scores']['msp']
    assert summary['scorer'] == 'msp'
    assert np.allclose(summary['score_range'], np.percentile(scores, (1, 99)))


def test_hdf5_scores_read_back_equal(inferencer, tiny_synthroad, tmp_path):
    src = osp.join(tiny_synthroad, 'anomaly', 'images', 'anomaly_0000.png')
    out = str(tmp_path / 'out')
    inferencer.run(src, out, scores='hdf5', vis=False, progress=False)
    direct = inferencer([cv2.imread(src)])[0]['scores']
    for name in ('rba', 'msp'):
        with h5py.File(osp.join(out, 'scores', f'anomaly_0000_{name}.hdf5'), 'r') as fh:
            value = fh['value'][()]
            assert fh['value'].compression == 'gzip'
        assert value.dtype == np.float16
        assert np.array_equal(value, direct[name].astype(np.float16))
    assert not osp.exists(osp.join(out, 'vis'))


def test_video_to_heatmap_mp4_with_temporal_smoothing(inferencer, tiny_synthroad, tmp_path):
    frames = [cv2.imread(p) for p in
              sorted(glob.glob(osp.join(tiny_synthroad, 'sequence', 'images', '*.png')))]
    video = tmp_path / 'drive.mp4'
    write_video(video, frames, fps=5)
    out = str(tmp_path / 'out')
    summary = inferencer.run(str(video), out, scores='npy', temporal_smoothing=0.5,
                             progress=False)
    assert summary['frames'] == len(frames) == 3
    cap = cv2.VideoCapture(summary['video'])
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 3 and cap.get(cv2.CAP_PROP_FPS) == 5
    h, w = frames[0].shape[:2]
    width = w + colour_bar(h, *summary['score_range'], label='rba').shape[1] + \
        w + class_legend(h, inferencer.classes, inferencer.palette, []).shape[1]
    assert (cap.get(cv2.CAP_PROP_FRAME_HEIGHT), cap.get(cv2.CAP_PROP_FRAME_WIDTH)) == \
        (h, width)
    cap.release()
    # smoothing: s~_1 = 0.5 s_1 + 0.5 s~_0, on the decoded frames themselves
    decoded = [f for _, f in __import__('anomseg').apis.open_frames(str(video)).frames()]
    raw = [inferencer([f])[0]['scores']['rba'] for f in decoded]
    s1 = np.load(osp.join(out, 'scores', 'drive_000001_rba.npy')).astype(np.float32)
    # float16 files: relative precision 2^-11
    assert np.allclose(s1, 0.5 * raw[1] + 0.5 * raw[0], rtol=1e-3, atol=1e-3)
    assert np.abs(raw[1] - raw[0]).max() > 0.02         # so smoothing is visible at all
    leftovers = [f for f in os.listdir(out) if f.startswith('.')]
    assert leftovers == []


def test_interrupted_video_leaves_no_mp4(inferencer, tiny_synthroad, tmp_path, monkeypatch):
    frames = [cv2.imread(p) for p in
              sorted(glob.glob(osp.join(tiny_synthroad, 'sequence', 'images', '*.png')))]
    video = tmp_path / 'drive.mp4'
    write_video(video, frames, fps=5)
    calls = []
    original = type(inferencer).infer_batch

    def failing(self, images):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(self, images)

    monkeypatch.setattr(type(inferencer), 'infer_batch', failing)
    out = tmp_path / 'out'
    with pytest.raises(KeyboardInterrupt):
        inferencer.run(str(video), str(out), progress=False)
    assert os.listdir(out) == []


def test_bad_arguments(inferencer, tmp_path):
    with pytest.raises(InputError, match='energy'):
        inferencer.run(str(tmp_path), str(tmp_path / 'o'), scorer='energy')
    with pytest.raises(ValueError, match='scores'):
        inferencer.run(str(tmp_path), str(tmp_path / 'o'), scores='png')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        AnomalyInferencer(CFG, str(tmp_path / 'nope.pth'))


def test_display_window_for_medical_slices(inferencer, tiny_synthroad, tmp_path):
    from anomseg.visualization import grey_window, heatmap_overlay
    src = osp.join(tiny_synthroad, 'anomaly', 'images', 'anomaly_0001.png')
    out = str(tmp_path / 'out')
    inferencer.run(src, out, semantic=False, display_window=(20, 200), progress=False)
    image = cv2.imread(src)
    rba = inferencer([image])[0]['scores']['rba']
    expected = heatmap_overlay(grey_window(image, 20, 200), rba, -2.0, 0.0)
    assert np.array_equal(cv2.imread(osp.join(out, 'vis', 'anomaly_0001.png')), expected)


def test_a_checkpoint_that_does_not_fit_is_refused_naming_the_file(checkpoint, tmp_path):
    state = torch.load(checkpoint, weights_only=True)['state_dict']
    head = next(k for k in state if k.startswith('decode_head.') and k.endswith('.weight'))
    cases = {
        'other.pth': ({'backbone.conv1.conv.weight': torch.zeros(1)},
                      r'other\.pth does not fit the model: \d+ model tensors missing from it'),
        'no_head.pth': ({k: v for k, v in state.items() if k != head},
                        rf'no_head\.pth does not fit the model: 1 model tensors missing from it, '
                        rf'e\.g\. {head}'),
        'reshaped.pth': (dict(state, **{head: torch.zeros(1, 1)}),
                         rf'1 of another shape, e\.g\. {head} \(\(1, 1\) in the file'),
    }
    for name, (bad, message) in cases.items():
        torch.save(dict(state_dict=bad), tmp_path / name)
        with pytest.raises(InputError, match=message):
            AnomalyInferencer(CFG, str(tmp_path / name))


def test_cpu_optimisations_keep_the_models_outputs(checkpoint):
    """Folded BatchNorms, the NHWC backbone and the levelwise deformable attention change
    nothing beyond float rounding, and keep the module tree."""
    from mmseg.structures import SegDataSample

    from anomseg.apis import optimise_for_cpu
    cfg = Config.fromfile(CFG)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model).eval()
    model.load_state_dict(torch.load(checkpoint, weights_only=True)['state_dict'])
    torch.manual_seed(4)
    image = torch.randint(0, 256, (3, 180, 320), dtype=torch.uint8)
    data = dict(inputs=[image], data_samples=[SegDataSample(
        metainfo=dict(ori_shape=(180, 320), img_shape=(180, 320)))])
    with torch.no_grad():
        plain = model.test_step(data)[0]
        fast = optimise_for_cpu(model).test_step(data)[0]
    folded = [m for m in model.modules() if getattr(m, 'efficient_conv_bn_eval_forward', None)]
    assert len(folded) > 40  # MobileNetV2's ConvModules
    for name in plain.pred_anomaly.scorers:
        assert torch.allclose(fast.pred_anomaly.get(name), plain.pred_anomaly.get(name),
                              atol=1e-4), name
    agree = (fast.pred_sem_seg.data == plain.pred_sem_seg.data).float().mean()
    assert agree >= 0.999


def test_video_frames_of_another_size_are_fitted_not_refused():
    """A panel whose colour bar labels changed width (per-frame ranges) still fits the video."""
    from anomseg.apis.inferencer import _fit
    wide = np.zeros((10, 30, 3), np.uint8)
    fitted = _fit(wide, (10, 20))                   # scaled to 20 wide, 6 high, padded white
    assert fitted.shape == (10, 20, 3) and (fitted[:6] == 0).all() and (fitted[6:] == 255).all()
    narrow = _fit(np.zeros((10, 15, 3), np.uint8), (10, 20))
    assert (narrow[:, :15] == 0).all() and (narrow[:, 15:] == 255).all()


def test_every_input_kind_gives_the_results_of_its_frames(inferencer, tiny_synthroad, tmp_path):
    """An image array, an image file, a list, a folder and a video: each frame's result is the
    one the batch call gives for that frame."""
    folder = osp.join(tiny_synthroad, 'anomaly', 'images')
    paths = sorted(glob.glob(osp.join(folder, '*.png')))
    images = [cv2.imread(p) for p in paths]
    want = [inferencer.infer_batch([image])[0] for image in images]

    def same(a, b):  # a batch of several frames may differ from one alone in the last bits
        return (a['sem_seg'] == b['sem_seg']).mean() > 0.999 and all(
            np.allclose(a['scores'][k], b['scores'][k], atol=1e-4) for k in ('rba', 'msp'))
    one = inferencer(images[0])
    assert isinstance(one, dict) and same(one, want[0])
    assert same(inferencer(paths[0]), want[0])
    assert all(same(a, b) for a, b in zip(inferencer(paths), want))
    assert all(same(a, b) for a, b in zip(inferencer(images), want))
    from_folder = inferencer(folder)
    assert len(from_folder) == len(paths) and all(same(a, b) for a, b in zip(from_folder, want))
    video = str(tmp_path / 'clip.mp4')
    write_video(video, images[:2])
    clip = inferencer(video)
    assert len(clip) == 2 and clip[0]['sem_seg'].shape == images[0].shape[:2]
    with pytest.raises(InputError, match='H x W x 3 uint8'):
        inferencer(images[0][..., 0])
    with pytest.raises(InputError, match='not a readable image'):
        inferencer([str(tmp_path / 'nothing.png')])


def test_a_model_name_is_its_config_and_checked_weights():
    from anomseg.apis import get_model
    frame = cv2.imread(sorted(glob.glob(osp.join(
        require_shared('data', 'RoadAnomaly_jpg', 'frames'), '*.jpg')))[0])
    info = get_model('dlv3p_camvid')
    by_name = AnomalyInferencer('dlv3p_camvid', scorer='msp')(frame)
    by_files = AnomalyInferencer(info.config, info.checkpoint, scorer='msp')(frame)
    assert np.array_equal(by_name['scores']['msp'], by_files['scores']['msp'])
    with pytest.raises(InputError, match='model name, which brings its own weights'):
        AnomalyInferencer('dlv3p_camvid', info.checkpoint)


def test_it_is_an_mmengine_inferencer_whose_stages_compose_the_call(inferencer, tiny_synthroad):
    """preprocess -> forward -> postprocess, as mmengine's BaseInferencer (and mmseg's
    MMSegInferencer) run them, give what the call gives."""
    from mmengine.infer import BaseInferencer
    from mmseg.structures import SegDataSample
    assert isinstance(inferencer, BaseInferencer)
    paths = sorted(glob.glob(osp.join(tiny_synthroad, 'anomaly', 'images', '*.png')))[:3]
    batches = list(inferencer.preprocess(paths, batch_size=2))
    assert [len(b['inputs']) for b in batches] == [2, 1]
    samples = [s for b in batches for s in inferencer.forward(b)]
    assert all(isinstance(s, SegDataSample) and 'pred_anomaly' in s for s in samples)
    assert inferencer.postprocess(samples, return_datasamples=True) is samples
    staged = inferencer.postprocess(samples)
    called = [inferencer(p) for p in paths]
    for a, b in zip(staged, called):
        assert np.allclose(a['scores']['rba'], b['scores']['rba'], atol=1e-4)


@pytest.mark.slow
def test_maps_are_the_ones_tools_test_writes(inferencer, checkpoint, tiny_synthroad, tmp_path):
    """On the same frames, the inferencer's maps are those of tools/test.py --out."""
    import subprocess
    import sys
    frames = osp.join(tiny_synthroad, 'anomaly')
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', CFG, checkpoint, '--scorer', 'rba,msp', '--out',
         str(tmp_path / 'maps'), '--work-dir', str(tmp_path / 'work'), '--no-report',
         '--cfg-options', f'test_dataloader.dataset.data_root={frames}',
         'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False'],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    paths = sorted(glob.glob(osp.join(frames, 'images', '*.png')))
    assert paths
    for path, result in zip(paths, inferencer(paths)):
        stem = osp.splitext(osp.basename(path))[0]
        for scorer in ('rba', 'msp'):
            saved = np.load(tmp_path / 'maps' / scorer / f'{stem}.npy')
            assert saved.shape == result['scores'][scorer].shape
            assert np.allclose(saved, result['scores'][scorer], atol=1e-4)
