"""The first RoadAnomaly frames at 1024x512, ImageNet-normalised, for checks that a released
Cityscapes model sees road where the road is."""
import os
import os.path as osp

import cv2
import numpy as np
import torch

from tests.conftest import require_shared

MEAN, STD = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])


def road_shares(model, top=25 / 32, count=6):
    """Per frame, the share of road (train id 0) that the head's logits predict in the bottom
    middle of the frame (rows from ``top`` of the height down, the middle half of the width), at
    whatever stride the head outputs."""
    root = require_shared('data', 'RoadAnomaly_jpg')
    frames = sorted(f for f in os.listdir(osp.join(root, 'frames')) if f.endswith('.jpg'))
    shares = []
    for name in frames[:count]:
        rgb = cv2.resize(cv2.imread(osp.join(root, 'frames', name)), (1024, 512),
                         interpolation=cv2.INTER_AREA)[..., ::-1] / 255.0
        x = torch.from_numpy(((rgb - MEAN) / STD).astype(np.float32)).permute(2, 0, 1)[None]
        with torch.no_grad():
            pred = model.decode_head(model.extract_feat(x)).argmax(1)[0]
        h, w = pred.shape
        region = pred[round(top * h):, w // 4:3 * w // 4]
        shares.append(float((region == 0).float().mean()))
    return shares
