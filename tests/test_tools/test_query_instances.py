"""OoDIS instances from a mask transformer's queries, one flag away in tools/test.py and
tools/submit.py oodis."""
import glob
import json
import os.path as osp
import zipfile

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from anomseg.apis import AnomalyInferencer
from tests.conftest import REPO
from tests.test_tools.test_bad_inputs import road_anomaly
from tests.test_tools.test_train_test import SYNTHROAD_CFG

M2F_CFG = 'configs/mask2former/mask2former-lite_mnv2_1xb4-600_synthroad-256x256.py'


@pytest.fixture(scope='module')
def m2f_checkpoint(tmp_path_factory):
    cfg = Config.fromfile(osp.join(REPO, M2F_CFG))
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    path = str(tmp_path_factory.mktemp('m2f') / 'model.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()), path)
    return path


def with_instances(root, synthroad):
    """The tiny RoadAnomaly, with labels_instance.png (anomalies numbered 1..N)."""
    ra = road_anomaly(str(root), synthroad)
    for label in glob.glob(osp.join(ra, 'frames', '*.labels', 'labels_semantic.png')):
        _, ids = cv2.connectedComponents((cv2.imread(label, 0) == 2).astype(np.uint8))
        cv2.imwrite(osp.join(osp.dirname(label), 'labels_instance.png'), ids.astype(np.uint8))
    return ra


@pytest.mark.slow
def test_query_instances_in_test_and_submit(server, assets, m2f_checkpoint, tmp_path):
    ra = with_instances(tmp_path / 'RoadAnomaly', assets['synthroad'])
    work = tmp_path / 'work'
    rc, _, err = server.run('tools/test.py', M2F_CFG, m2f_checkpoint, '--benchmark',
                            'RoadAnomaly', '--benchmark-root', ra, '--instances', 'queries',
                            '--scorer', 'rba,msp', '--work-dir', work, '--no-report')
    assert rc == 0, err[-3000:]
    metrics = json.load(open(work / 'metrics.json'))
    for scorer in ('rba', 'msp'):
        for key in ('AP_inst', 'AP50_inst', 'AP_inst_queries', 'AP50_inst_queries'):
            assert 0 <= metrics[f'{scorer}/{key}'] <= 1, key
    expected = tmp_path / 'expected.txt'     # the official list's format, these frames
    expected.write_text(''.join(
        f'roadanomaly/{osp.splitext(osp.basename(p))[0]}_instanceIds_pred.txt\n'
        for p in glob.glob(osp.join(ra, 'frames', '*.jpg'))))
    rc, _, err = server.run('tools/submit.py', 'oodis', M2F_CFG, m2f_checkpoint,
                            '--roadanomaly', osp.join(ra, 'frames'), '--instances', 'queries',
                            '--expected-files', expected, '--out-dir', tmp_path / 'sub')
    assert rc == 0, err[-3000:]
    inferencer = AnomalyInferencer(M2F_CFG, m2f_checkpoint, query_masks=True)
    with zipfile.ZipFile(tmp_path / 'sub' / 'oodis_submission.zip') as zf:
        txts = sorted(n for n in zf.namelist() if n.endswith('_pred.txt'))
        assert len(txts) == 3
        for txt, image in zip(txts, sorted(glob.glob(osp.join(ra, 'frames', '*.jpg')))):
            lines = [line for line in zf.read(txt).decode().split('\n') if line]
            result = inferencer([cv2.imread(image)])[0]
            masks = result['query_masks']       # one instance per non-empty query mask
            assert len(lines) == len(masks) and masks.shape[1:] == (64, 128)
            for line, mask in zip(lines, masks):
                name, label, conf = line.split()
                assert float(conf) == pytest.approx(result['scores']['rba'][mask].mean(),
                                                    abs=1e-6)
    rc, _, err = server.run('tools/test.py', SYNTHROAD_CFG, assets['checkpoint'], '--benchmark',
                            'RoadAnomaly', '--benchmark-root', ra, '--instances', 'queries',
                            '--work-dir', tmp_path / 'w2')
    assert rc == 2 and 'need a mask-transformer head' in err.strip().splitlines()[-1]
