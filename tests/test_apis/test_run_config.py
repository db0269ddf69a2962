import json
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from anomseg.apis import apply_benchmark, load_config
from anomseg.apis.evaluate_scores import evaluate
from anomseg.utils.errors import InputError
from tests.conftest import REPO, require_shared

CFG = osp.join(REPO, 'configs', 'deeplabv3plus', 'deeplabv3plus_mnv2_1xb4-2k_camvid-240x320.py')


def test_apply_benchmark_swaps_dataset_labels_and_metric(tmp_path):
    for sub, name in (('images', 'a.jpg'), ('labels_masks', 'a_labels_semantic.png')):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / name).write_bytes(b'')
    cfg = load_config(CFG)
    resize = [s for s in cfg.test_dataloader.dataset.pipeline if s['type'] == 'Resize']
    apply_benchmark(cfg, 'AnomalyTrack', str(tmp_path))
    dataset = cfg.test_dataloader.dataset
    assert dataset.type == 'SMIYCDataset' and dataset.data_root == str(tmp_path)
    assert [s['type'] for s in dataset.pipeline] == [
        'LoadImageFromFileChecked', 'Resize', 'LoadAnomalyAnnotations', 'PackAnomalySegInputs']
    assert [s for s in dataset.pipeline if s['type'] == 'Resize'] == resize
    assert cfg.test_evaluator == dict(type='AnomalyMetric', components='AnomalyTrack',
                                      unit_map='arctan')
    with pytest.raises(InputError, match='unknown benchmark'):
        apply_benchmark(load_config(CFG), 'Nope', str(tmp_path))
    with pytest.raises(FileNotFoundError, match='RoadAnomaly: benchmark folder .*absent does not'):
        apply_benchmark(load_config(CFG), 'RoadAnomaly', str(tmp_path / 'absent'))


@pytest.mark.slow
def test_test_tool_on_a_benchmark_equals_scoring_saved_maps(tmp_path):
    """tools/test.py --benchmark on the real AnomalyTrack validation frames gives the metrics
    that the saved maps give through the evaluator tested against the official code."""
    root = require_shared('data', 'dataset_AnomalyTrack')
    cfg = Config.fromfile(CFG)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta={}), ckpt)
    work, out = tmp_path / 'work', tmp_path / 'maps'
    proc = subprocess.run(
        [sys.executable, 'tools/test.py', CFG, ckpt, '--benchmark', 'AnomalyTrack',
         '--benchmark-root', root, '--scorer', 'msp,energy', '--work-dir', str(work),
         '--out', str(out), '--no-report', '--cfg-options', 'test_dataloader.num_workers=0',
         'test_dataloader.persistent_workers=False'],
        cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.load(open(work / 'metrics.json'))
    assert {k.split('/')[0] for k in metrics} == {'msp', 'energy'}
    assert 'energy/sIoU_gt' in metrics  # energy is unbounded: compared via the unit map
    saved = evaluate('AnomalyTrack', root, str(out / 'msp'))
    for key in ('AP', 'AUROC', 'FPR95'):
        assert metrics[f'msp/{key}'] == pytest.approx(saved[key], abs=1e-9), key
    for key in ('AP_smiyc', 'sIoU_gt', 'PPV', 'mean_F1'):
        assert metrics[f'msp/{key}'] == pytest.approx(saved[key], abs=1e-3), key
    energy = np.load(sorted((out / 'energy').glob('*.npy'))[0])
    assert energy.min() < 0 or energy.max() > 1


def test_test_tool_benchmark_flags_go_together():
    proc = subprocess.run([sys.executable, 'tools/test.py', CFG, 'x.pth', '--benchmark',
                           'RoadAnomaly'], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0 and '--benchmark and --benchmark-root go together' in proc.stderr


def test_test_tool_names_a_missing_benchmark_folder_without_a_traceback(tmp_path):
    missing = tmp_path / 'no such set'
    proc = subprocess.run([sys.executable, 'tools/test.py', CFG, 'x.pth', '--benchmark',
                           'RoadAnomaly', '--benchmark-root', str(missing), '--work-dir',
                           str(tmp_path / 'work')], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('test.py: error:') and str(missing) in last
    assert 'Traceback' not in proc.stderr
    assert not (tmp_path / 'work').exists()


def test_published_protocol_resizes_labels_skips_frames_and_keeps_the_void_channel(tmp_path):
    for sub, name in (('images', 'a.jpg'), ('labels_masks', 'a_labels_semantic.png')):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / name).write_bytes(b'')
    from anomseg.apis import apply_published_protocol
    from anomseg.datasets.transforms import EvaluateAtResizedShape
    erfnet = osp.join(REPO, 'configs', 'erfnet',
                      'erfnet_deconv-head_released_cityscapes-512x1024.py')
    cfg = apply_benchmark(load_config(erfnet), 'AnomalyTrack', str(tmp_path))
    assert not cfg.model.decode_head.get('use_void_channel')
    apply_published_protocol(cfg)
    steps = cfg.test_dataloader.dataset.pipeline
    assert [s['type'] for s in steps] == ['LoadImageFromFileChecked', 'LoadAnomalyAnnotations',
                                          'Resize', 'EvaluateAtResizedShape',
                                          'PackAnomalySegInputs']
    assert steps[2]['scale'] == (1024, 512) and steps[2]['backend'] == 'pillow'
    assert cfg.test_evaluator.anomalous_frames_only and cfg.model.decode_head.use_void_channel
    per_pixel = apply_published_protocol(apply_benchmark(load_config(CFG), 'AnomalyTrack',
                                                         str(tmp_path)))
    assert 'use_void_channel' not in per_pixel.model.decode_head  # no void channel to keep

    # The resized frame becomes the evaluated one: labels resized alongside, nearest.
    from mmseg.registry import TRANSFORMS
    label = np.zeros((720, 1280), np.uint8)
    label[300:420, 600:700] = 1
    results = dict(img=np.zeros((720, 1280, 3), np.uint8), img_shape=(720, 1280),
                   ori_shape=(720, 1280), gt_anomaly_map=label, seg_fields=['gt_anomaly_map'])
    results = TRANSFORMS.build(steps[2]).transform(results)
    results = EvaluateAtResizedShape().transform(results)
    assert results['ori_shape'] == results['img_shape'] == (512, 1024)
    assert results['gt_anomaly_map'].shape == (512, 1024)
    assert set(np.unique(results['gt_anomaly_map'])) == {0, 1}
    assert (results['gt_anomaly_map'] == 1).sum() == pytest.approx(120 * 100 * 0.8 * 512 / 720,
                                                                   rel=0.05)
