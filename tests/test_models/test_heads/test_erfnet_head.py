"""The released ERFNet, converted to mmseg's ERFNet backbone + ERFNetHead, computes what a plain
PyTorch ERFNet written here from the paper (Romera et al., T-ITS 2018, Table I) computes."""
import os.path as osp

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config
from mmseg.registry import MODELS

from anomseg.utils import erfnet_original_to_mmseg
from tests.conftest import REPO, require_shared

CONFIG = osp.join(REPO, 'configs', 'erfnet', 'erfnet_deconv-head_released_cityscapes-512x1024.py')


class Downsampler(nn.Module):
    """3x3 stride-2 conv (out - in channels) beside 2x2 max pooling, concatenated, BN, ReLU."""

    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout - cin, 3, stride=2, padding=1, bias=True)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x):
        return F.relu(self.bn(torch.cat([self.conv(x), F.max_pool2d(x, 2, 2)], 1)))


class NonBottleneck1D(nn.Module):
    """Factorised residual block: 3x1, ReLU, 1x3, BN, ReLU, dilated 3x1, ReLU, dilated 1x3, BN,
    then ReLU(output + input)."""

    def __init__(self, c, dilation):
        super().__init__()
        d = dilation
        self.conv3x1_1 = nn.Conv2d(c, c, (3, 1), padding=(1, 0), bias=True)
        self.conv1x3_1 = nn.Conv2d(c, c, (1, 3), padding=(0, 1), bias=True)
        self.bn1 = nn.BatchNorm2d(c, eps=1e-3)
        self.conv3x1_2 = nn.Conv2d(c, c, (3, 1), padding=(d, 0), dilation=(d, 1), bias=True)
        self.conv1x3_2 = nn.Conv2d(c, c, (1, 3), padding=(0, d), dilation=(1, d), bias=True)
        self.bn2 = nn.BatchNorm2d(c, eps=1e-3)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1x3_1(F.relu(self.conv3x1_1(x)))))
        y = self.bn2(self.conv1x3_2(F.relu(self.conv3x1_2(y))))
        return F.relu(y + x)


class Upsampler(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv = nn.ConvTranspose2d(cin, cout, 3, stride=2, padding=1, output_padding=1,
                                       bias=True)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class PaperERFNet(nn.Module):
    """Table I: layers 1-16 encoder, 17-23 decoder, output 2x2 transposed conv to the classes."""

    def __init__(self, num_outputs=20):
        super().__init__()
        self.encoder = nn.Module()
        self.encoder.initial_block = Downsampler(3, 16)
        enc = [Downsampler(16, 64)] + [NonBottleneck1D(64, 1) for _ in range(5)]
        enc += [Downsampler(64, 128)] + [NonBottleneck1D(128, d) for d in (2, 4, 8, 16) * 2]
        self.encoder.layers = nn.ModuleList(enc)
        self.decoder = nn.Module()
        self.decoder.layers = nn.ModuleList([
            Upsampler(128, 64), NonBottleneck1D(64, 1), NonBottleneck1D(64, 1),
            Upsampler(64, 16), NonBottleneck1D(16, 1), NonBottleneck1D(16, 1)])
        self.decoder.output_conv = nn.ConvTranspose2d(16, num_outputs, 2, stride=2, bias=True)

    def forward(self, x):
        x = self.encoder.initial_block(x)
        for layer in self.encoder.layers:
            x = layer(x)
        for layer in self.decoder.layers:
            x = layer(x)
        return self.decoder.output_conv(x)


def build_mmseg(use_void_channel=True):
    cfg = Config.fromfile(CONFIG)
    cfg.model.decode_head.use_void_channel = use_void_channel
    return MODELS.build(cfg.model).eval()


def randomised_paper_model(seed=0):
    torch.manual_seed(seed)
    ref = PaperERFNet()
    for m in ref.modules():  # non-trivial BN statistics, so that a BN mix-up shows
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    return ref.eval()


def test_every_tensor_maps_one_to_one():
    ref = randomised_paper_model()
    state = ref.state_dict()
    state['encoder.output_conv.weight'] = torch.zeros(20, 128, 1, 1)  # the encoder classifier
    state['encoder.output_conv.bias'] = torch.zeros(20)
    converted, dropped = erfnet_original_to_mmseg(state)
    model = build_mmseg()
    assert dropped == ['encoder.output_conv.weight', 'encoder.output_conv.bias']
    assert set(converted) == set(model.state_dict())
    assert len(converted) == len(state) - 2
    for key, value in converted.items():
        assert model.state_dict()[key].shape == value.shape, key


def test_converted_logits_equal_the_paper_network():
    ref = randomised_paper_model()
    converted, _ = erfnet_original_to_mmseg(ref.state_dict())
    model = build_mmseg()
    model.load_state_dict(converted, strict=True)
    x = torch.rand(2, 3, 64, 128)
    with torch.no_grad():
        want = ref(x)
        got = model.decode_head(model.extract_feat(x))
        assert got.shape == want.shape == (2, 20, 64, 128)
        assert torch.allclose(got, want, atol=1e-4, rtol=0)
        model19 = build_mmseg(use_void_channel=False)
        model19.load_state_dict(converted)
        assert torch.equal(model19.decode_head(model19.extract_feat(x)), got[:, :19])


@pytest.mark.slow
def test_released_model_sees_road_on_real_frames():
    """On the RoadAnomaly frames the released model labels the lower-middle image band road."""
    import cv2
    weights = require_shared('weights', 'erfnet_cityscapes.pth')
    root = require_shared('data', 'RoadAnomaly_jpg')
    converted, _ = erfnet_original_to_mmseg(torch.load(weights, map_location='cpu',
                                                       weights_only=True))
    model = build_mmseg(use_void_channel=False)
    model.load_state_dict(converted)
    frames = sorted(f for f in __import__('os').listdir(osp.join(root, 'frames'))
                    if f.endswith('.jpg'))[:6]
    road_share = []
    for name in frames:
        bgr = cv2.imread(osp.join(root, 'frames', name))
        rgb = cv2.resize(bgr, (1024, 512), interpolation=cv2.INTER_AREA)[..., ::-1]
        x = torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1)[None].float() / 255
        with torch.no_grad():
            pred = model.decode_head(model.extract_feat(x)).argmax(1)[0]
        band = pred[400:512, 256:768]  # bottom centre, where the road is in driving frames
        road_share.append(float((band == 0).float().mean()))  # Cityscapes trainId 0 = road
    assert np.median(road_share) > 0.6, road_share


def test_converted_file_loads_with_mmseg_init_model(tmp_path):
    """The converter's output carries the Cityscapes classes (``meta.dataset_meta``), which
    ``mmseg.apis.init_model`` requires of a checkpoint."""
    import subprocess
    import sys

    from mmseg.apis import init_model
    src = tmp_path / 'released.pth'
    torch.save(randomised_paper_model().state_dict(), src)
    dst = tmp_path / 'converted.pth'
    subprocess.run([sys.executable, 'tools/model_converters/erfnet2mmseg.py', str(src), str(dst)],
                   cwd=REPO, check=True, capture_output=True)
    model = init_model(osp.join(REPO, 'configs', 'erfnet',
                                'erfnet_deconv-head_released_cityscapes-512x1024.py'),
                       str(dst), device='cpu')
    assert model.dataset_meta['classes'][0] == 'road' and len(model.dataset_meta['classes']) == 19
