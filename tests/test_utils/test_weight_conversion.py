import torch
from mmseg.models.backbones import MobileNetV2

from anomseg.utils import load_checkpoint_file, mobilenet_v2_torchvision_to_mmseg
from tests.conftest import require_shared


def test_every_backbone_tensor_maps_one_to_one():
    src = load_checkpoint_file(require_shared('weights', 'mobilenet_v2-b0353104.pth'))
    converted, dropped = mobilenet_v2_torchvision_to_mmseg(src)
    backbone = MobileNetV2(strides=(1, 2, 2, 2, 1, 2, 1), out_indices=(1, 2, 4, 6),
                           act_cfg=dict(type='ReLU6'))
    target = backbone.state_dict()
    assert set(converted) == set(target)  # no missing, no unexpected keys
    for key, value in converted.items():
        assert value.shape == target[key].shape, key
    # one to one: every source tensor used once, values identical
    assert len(converted) + len(dropped) == len(src)
    assert {k.split('.')[1] for k in dropped if k.startswith('features')} == {'18'}
    assert all(k.startswith(('features.18.', 'classifier.')) for k in dropped)
    # spot checks by position: stem, first block's depthwise, last block's projection bn
    assert torch.equal(converted['conv1.conv.weight'], src['features.0.0.weight'])
    assert torch.equal(converted['layer1.0.conv.0.conv.weight'], src['features.1.conv.0.0.weight'])
    assert torch.equal(converted['layer1.0.conv.1.conv.weight'], src['features.1.conv.1.weight'])
    assert torch.equal(converted['layer1.0.conv.1.bn.running_var'],
                       src['features.1.conv.2.running_var'])
    assert torch.equal(converted['layer7.0.conv.2.bn.weight'], src['features.17.conv.3.weight'])
    assert torch.equal(converted['layer7.0.conv.2.conv.weight'], src['features.17.conv.2.weight'])
    missing, unexpected = backbone.load_state_dict(converted, strict=True)
    assert not missing and not unexpected


def test_converted_backbone_reproduces_torchvision_features():
    """Run the same input through torchvision's layer order written out by hand and through the
    converted mmseg backbone: the 320-channel stage output must agree."""
    src = load_checkpoint_file(require_shared('weights', 'mobilenet_v2-b0353104.pth'))
    converted, _ = mobilenet_v2_torchvision_to_mmseg(src)
    backbone = MobileNetV2(strides=(1, 2, 2, 2, 1, 2, 1), out_indices=(6, ),
                           act_cfg=dict(type='ReLU6'))
    backbone.load_state_dict(converted, strict=True)
    backbone.eval()
    x = torch.randn(1, 3, 64, 64)

    def conv_bn(x, prefix, conv_key, bn_key, stride=1, groups=1, act=True):
        w = src[f'{prefix}{conv_key}.weight']
        x = torch.nn.functional.conv2d(x, w, stride=stride, padding=w.shape[-1] // 2,
                                       groups=groups)
        x = torch.nn.functional.batch_norm(
            x, src[f'{prefix}{bn_key}.running_mean'], src[f'{prefix}{bn_key}.running_var'],
            src[f'{prefix}{bn_key}.weight'], src[f'{prefix}{bn_key}.bias'], eps=1e-5)
        return torch.nn.functional.relu6(x) if act else x

    y = conv_bn(x, 'features.0.', '0', '1', stride=2)
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                (6, 160, 3, 2), (6, 320, 1, 1)]
    block = 1
    for t, _, n, s in settings:
        for i in range(n):
            p = f'features.{block}.conv.'
            inp = y
            if t == 1:
                h = conv_bn(y, p, '0.0', '0.1', stride=s if i == 0 else 1, groups=y.shape[1])
                h = conv_bn(h, p, '1', '2', act=False)
            else:
                h = conv_bn(y, p, '0.0', '0.1')
                h = conv_bn(h, p, '1.0', '1.1', stride=s if i == 0 else 1, groups=h.shape[1])
                h = conv_bn(h, p, '2', '3', act=False)
            y = h + inp if (i > 0 or s == 1) and h.shape == inp.shape else h
            block += 1
    with torch.no_grad():
        out = backbone(x)[0]
    assert torch.allclose(out, y, atol=1e-4)


def test_config_initialises_the_backbone_from_the_converted_file(mmseg_pretrain):
    import os.path as osp

    from mmengine.config import Config
    from mmseg.registry import MODELS

    import anomseg  # noqa: F401
    from tests.conftest import REPO
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'deeplabv3plus',
                                   'deeplabv3plus_mnv2_1xb4-1k_synthroad-256x256.py'))
    cfg.model.backbone.init_cfg.checkpoint = mmseg_pretrain
    model = MODELS.build(cfg.model)
    model.init_weights()
    src = load_checkpoint_file(require_shared('weights', 'mobilenet_v2-b0353104.pth'))
    assert torch.equal(model.backbone.conv1.conv.weight.detach(), src['features.0.0.weight'])
    assert torch.equal(model.backbone.layer7[0].conv[2].bn.running_var,
                       src['features.17.conv.3.running_var'])
