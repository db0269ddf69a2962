import copy

import torch
from mmcv.ops import MultiScaleDeformableAttention
from mmcv.ops.multi_scale_deform_attn import multi_scale_deformable_attn_pytorch

from anomseg.ops.deform_attn import (LevelwiseMultiScaleDeformableAttention,
                                     multi_scale_deformable_attn, use_levelwise_deform_attn)

SHAPES = [(6, 9), (3, 5), (2, 2)]


def test_levelwise_sum_equals_mmcv_stacked_sum():
    torch.manual_seed(0)
    keys = sum(h * w for h, w in SHAPES)
    value = torch.randn(2, keys, 4, 8)
    # locations partly outside [0, 1]: zero padding there
    locations = torch.rand(2, 11, 4, len(SHAPES), 3, 2) * 1.2 - 0.1
    weights = torch.rand(2, 11, 4, len(SHAPES), 3).softmax(-1)
    want = multi_scale_deformable_attn_pytorch(value, torch.tensor(SHAPES), locations, weights)
    got = multi_scale_deformable_attn(value, SHAPES, locations, weights)
    assert got.shape == want.shape == (2, 11, 32)
    assert torch.allclose(got, want, atol=1e-6)


def test_levelwise_module_gives_mmcvs_outputs_from_the_same_weights():
    torch.manual_seed(1)
    mmcv_attn = MultiScaleDeformableAttention(embed_dims=32, num_heads=4, num_levels=3,
                                              num_points=3, batch_first=True).eval()
    torch.nn.init.normal_(mmcv_attn.sampling_offsets.weight, std=0.1)
    ours = use_levelwise_deform_attn(copy.deepcopy(mmcv_attn))
    assert type(ours) is LevelwiseMultiScaleDeformableAttention
    keys = sum(h * w for h, w in SHAPES)
    query, pos = torch.randn(2, keys, 32), torch.randn(2, keys, 32)
    shapes = torch.tensor(SHAPES)
    start = torch.cat([shapes.new_zeros(1), (shapes[:, 0] * shapes[:, 1]).cumsum(0)[:-1]])
    reference = torch.rand(2, keys, len(SHAPES), 2)
    padding = torch.zeros(2, keys, dtype=torch.bool)
    padding[1, -4:] = True
    kwargs = dict(query_pos=pos, key_padding_mask=padding, reference_points=reference,
                  spatial_shapes=shapes, level_start_index=start)
    with torch.no_grad():
        assert torch.allclose(ours(query, **kwargs), mmcv_attn(query, **kwargs), atol=1e-5)
