"""anomseg's pure-PyTorch stand-in for mmcv's compiled ops (anomseg/ops/mmcv_ext.py)."""
import os
import subprocess
import sys

import pytest
import torch

from anomseg.ops import mmcv_ext
from tests.conftest import REPO


def reference_deform_attn(value, shapes, locations, weights):
    """Deformable DETR's sampling written out: per level, per point, bilinear by hand.

    value (bs, keys, heads, d); locations (bs, q, heads, levels, points, 2) in [0, 1] of (x, y);
    weights (bs, q, heads, levels, points). A location samples pixel centres at
    (x * W - 0.5, y * H - 0.5); neighbours outside the map contribute zero.
    """
    bs, _, heads, d = value.shape
    _, nq, _, levels, points, _ = locations.shape
    out = value.new_zeros(bs, nq, heads, d)
    start = 0
    for lvl in range(levels):
        h, w = shapes[lvl]
        v = value[:, start:start + h * w].reshape(bs, h, w, heads, d)
        start += h * w
        for k in range(points):
            x = locations[:, :, :, lvl, k, 0] * w - 0.5
            y = locations[:, :, :, lvl, k, 1] * h - 0.5
            x0, y0 = torch.floor(x), torch.floor(y)
            sampled = value.new_zeros(bs, nq, heads, d)
            for dx in (0, 1):
                for dy in (0, 1):
                    xi, yi = x0 + dx, y0 + dy
                    wgt = (1 - (x - xi).abs()) * (1 - (y - yi).abs())
                    inside = (xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)
                    xc = xi.clamp(0, w - 1).long()
                    yc = yi.clamp(0, h - 1).long()
                    b = torch.arange(bs).view(bs, 1, 1).expand(bs, nq, heads)
                    hd = torch.arange(heads).view(1, 1, heads).expand(bs, nq, heads)
                    corner = v[b, yc, xc, hd]
                    sampled = sampled + (wgt * inside)[..., None] * corner
            out = out + weights[:, :, :, lvl, k, None] * sampled
    return out.reshape(bs, nq, heads * d)


def random_inputs(seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    shapes = torch.tensor([[6, 8], [3, 4], [2, 2]])
    keys = int((shapes[:, 0] * shapes[:, 1]).sum())
    start = torch.cat([shapes.new_zeros(1), (shapes[:, 0] * shapes[:, 1]).cumsum(0)[:-1]])
    bs, nq, heads, d, points = 2, 5, 2, 3, 4
    value = torch.randn(bs, keys, heads, d, generator=g, dtype=dtype)
    # Some points fall outside [0, 1]: zero padding must hold at the borders.
    locations = torch.rand(bs, nq, heads, 3, points, 2, generator=g, dtype=dtype) * 1.3 - 0.15
    weights = torch.rand(bs, nq, heads, 3, points, generator=g, dtype=dtype).softmax(-1)
    return value, shapes, start, locations, weights


def test_mmcv_imports_resolve_to_the_stand_in_without_compiled_ops():
    import mmcv.ops  # noqa: F401
    import mmdet.models  # noqa: F401
    from mmengine.utils.dl_utils import mmcv_full_available
    if not mmcv_ext.in_use():
        pytest.skip('compiled mmcv ops are installed (MMCV=full): the stand-in is not used')
    assert sys.modules['mmcv._ext'] is mmcv_ext
    assert mmcv_full_available()  # mmengine looks the extension up by name: it must resolve


def test_forward_equals_the_hand_written_reference():
    value, shapes, start, loc, w = random_inputs()
    out = mmcv_ext.ms_deform_attn_forward(value, shapes, start, loc, w, im2col_step=64)
    ref = reference_deform_attn(value, shapes.tolist(), loc, w)
    assert out.shape == ref.shape == (2, 5, 6)
    assert torch.allclose(out, ref, atol=1e-5, rtol=0)
    assert out.abs().max() > 0.1


def test_gradients_equal_the_reference_autograd():
    value, shapes, start, loc, w = random_inputs(seed=1)
    grad_out = torch.randn(2, 5, 6, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    buffers = [torch.zeros_like(t) for t in (value, loc, w)]
    mmcv_ext.ms_deform_attn_backward(value, shapes, start, loc, w, grad_out, *buffers,
                                     im2col_step=64)
    leaves = [t.clone().requires_grad_() for t in (value, loc, w)]
    ref = reference_deform_attn(leaves[0], shapes.tolist(), leaves[1], leaves[2])
    expected = torch.autograd.grad(ref, leaves, grad_out)
    for name, got, want in zip(('value', 'locations', 'weights'), buffers, expected):
        assert torch.allclose(got, want, atol=1e-5, rtol=0), name
        assert want.abs().max() > 1e-3, name


def test_mmcv_autograd_function_runs_on_the_stand_in():
    """The path mmcv takes for CUDA tensors (MultiScaleDeformableAttnFunction), here on CPU."""
    from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction
    if not mmcv_ext.in_use():
        pytest.skip('compiled mmcv ops are installed (MMCV=full): the stand-in is not used')
    value, shapes, start, loc, w = random_inputs(seed=3)
    leaves = [t.clone().requires_grad_() for t in (value, loc, w)]
    out = MultiScaleDeformableAttnFunction.apply(leaves[0], shapes, start, leaves[1], leaves[2],
                                                 64)
    out.square().sum().backward()
    ref_leaves = [t.clone().requires_grad_() for t in (value, loc, w)]
    ref = reference_deform_attn(ref_leaves[0], shapes.tolist(), ref_leaves[1], ref_leaves[2])
    ref.square().sum().backward()
    assert torch.allclose(out, ref, atol=1e-5, rtol=0)
    for got, want in zip(leaves, ref_leaves):
        assert torch.allclose(got.grad, want.grad, atol=1e-5, rtol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_cuda_forward_and_backward_equal_cpu():
    value, shapes, start, loc, w = random_inputs(seed=4, dtype=torch.float32)
    from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction
    cuda = [t.cuda().requires_grad_() for t in (value, loc, w)]
    out = MultiScaleDeformableAttnFunction.apply(cuda[0], shapes.cuda(), start.cuda(), cuda[1],
                                                 cuda[2], 64)
    out.sum().backward()
    cpu = [t.clone().requires_grad_() for t in (value, loc, w)]
    ref = reference_deform_attn(cpu[0], shapes.tolist(), cpu[1], cpu[2])
    ref.sum().backward()
    assert torch.allclose(out.cpu(), ref, atol=1e-5)
    for got, want in zip(cuda, cpu):
        assert torch.allclose(got.grad.cpu(), want.grad, atol=1e-4)


def test_an_unimplemented_op_names_itself_and_the_fix():
    if not mmcv_ext.in_use():
        pytest.skip('compiled mmcv ops are installed (MMCV=full): the stand-in is not used')
    import mmcv.ops
    with pytest.raises(mmcv_ext.CompiledOpUnavailable, match=r"'nms'.*MMCV=full"):
        mmcv.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)
    assert mmcv_ext.get_compiler_version() == mmcv_ext.NOT_COMPILED


def _fresh(code):
    """Run ``code`` in a fresh interpreter without site's .pth files (an old start-up hook)."""
    paths = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run([sys.executable, '-S', '-c',
                           'import os, sys; sys.path[1:1] = sys.argv[1].split(os.pathsep); '
                           + code, paths], cwd=REPO, capture_output=True, text=True)


def test_importing_anomseg_first_lets_mmcv_ops_and_mmdet_import():
    if not mmcv_ext.in_use():
        pytest.skip('compiled mmcv ops are installed (MMCV=full): the stand-in is not used')
    without = _fresh('import mmdet.models')
    assert without.returncode != 0 and "No module named 'mmcv._ext'" in without.stderr
    after = _fresh('import anomseg, mmdet.models, mmseg.models.decode_heads.mask2former_head as '
                   'h; from mmdet.models.dense_heads import Mask2FormerHead as M; '
                   "print(sys.modules['mmcv._ext'].__name__, h.MMDET_Mask2FormerHead is M)")
    assert after.returncode == 0, after.stderr
    assert after.stdout.split() == ['anomseg.ops.mmcv_ext', 'True']


def _import_mmseg_first(site_dir):
    """In a fresh interpreter without site's .pth files: import mmseg before anything of ours."""
    code = ('import os, site, sys; sys.path[1:1] = sys.argv[2].split(os.pathsep); '
            'site.addsitedir(sys.argv[1]); '
            'from mmseg.utils import register_all_modules; import mmdet.models; '
            "print(sys.modules['mmcv._ext'].__name__, 'anomseg' in sys.modules)")
    paths = os.pathsep.join(p for p in sys.path if p)
    return subprocess.run([sys.executable, '-S', '-c', code, site_dir, paths], cwd=REPO,
                          capture_output=True, text=True)


def test_the_startup_hook_lets_mmseg_import_before_anomseg(tmp_path):
    """make install's opt-in for the mmcv-lite environment it makes."""
    if not mmcv_ext.in_use():
        pytest.skip('compiled mmcv ops are installed (MMCV=full): the stand-in is not used')
    without = _import_mmseg_first(str(tmp_path))
    assert without.returncode != 0 and "No module named 'mmcv._ext'" in without.stderr
    path = mmcv_ext.write_startup_hook(str(tmp_path))
    with_hook = _import_mmseg_first(str(tmp_path))
    assert with_hook.returncode == 0, with_hook.stderr
    assert with_hook.stdout.split() == ['anomseg.ops.mmcv_ext', 'False']
    mmcv_ext.remove_startup_hook(str(tmp_path))
    assert not os.path.exists(path)
