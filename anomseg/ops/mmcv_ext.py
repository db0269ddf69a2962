"""A pure-PyTorch stand-in for mmcv's compiled extension ``mmcv._ext``.

anomseg installs ``mmcv-lite`` (mmcv 2.1.0 without compiled ops) by default, so nothing is
compiled at install time. mmcv, mmdet and mmseg still import ``mmcv.ops``, whose modules bind
their kernels at import through ``mmcv.utils.ext_loader.load_ext('_ext', names)``: that imports
``mmcv._ext`` and asserts every name is an attribute. :func:`install` registers this module under
that name when no compiled extension is present, so those imports succeed.

Implemented here (everything else fails when called, see :class:`CompiledOpUnavailable`):

- ``ms_deform_attn_forward`` / ``ms_deform_attn_backward``: multi-scale deformable attention
  (Zhu et al., Deformable DETR, ICLR 2021), the op of Mask2Former's pixel decoder. For head h,
  query q and levels l with points k,

      out[q, h] = sum_{l,k} A[q, h, l, k] * bilinear(V_l[h], p[q, h, l, k] * (W_l, H_l) - 0.5)

  with zero padding outside the map. The forward is ``anomseg.ops.deform_attn``'s levelwise
  version of mmcv's pure-PyTorch path (one ``grid_sample`` per level; the same result to float
  rounding), which ``tools/infer.py`` also runs on CPU; the backward differentiates that forward
  with autograd. mmcv calls these two for CUDA tensors only (through
  ``MultiScaleDeformableAttnFunction``); on CPU it calls the pure-PyTorch path directly.
- ``get_compiler_version`` / ``get_compiling_cuda_version``: report that no ops were compiled
  (read by mmcv's environment report).

With compiled mmcv installed (``make install MMCV=full``), the stand-in is never used: it is
provided only when no compiled ``mmcv._ext`` can be found. ``import anomseg`` calls
:func:`install` (``sys.modules``, nothing else changed), so a script that imports anomseg first
(configs' ``custom_imports`` do) gets mmcv's ops. ``make install`` also writes a start-up hook
(:func:`write_startup_hook`, its explicit opt-in for the environment it made) so that mmseg and
mmdet import in any order.
"""
import importlib.abc
import importlib.util
import os
import os.path as osp
import sys
import sysconfig

EXT_NAME = 'mmcv._ext'
IMPLEMENTED = ('ms_deform_attn_forward', 'ms_deform_attn_backward', 'get_compiler_version',
               'get_compiling_cuda_version')
NOT_COMPILED = 'not compiled (mmcv-lite; anomseg pure-PyTorch ops)'
HOOK_NAME = 'anomseg-mmcv-ext.pth'


class CompiledOpUnavailable(NotImplementedError):
    """An mmcv op that needs mmcv's compiled extension was called on an mmcv-lite install."""


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolves ``mmcv._ext`` to this module when no other finder has a compiled one."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != EXT_NAME:
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, 'find_spec') and \
                    finder.find_spec(fullname, path, target) is not None:
                return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return sys.modules[__name__]

    def exec_module(self, module):
        pass


def install():
    """Provide this module as ``mmcv._ext`` when mmcv has no compiled extension (mmcv-lite), so
    that ``mmcv.ops`` imports. Changes nothing when mmcv has a compiled extension, when
    ``mmcv._ext`` is already imported, or without mmcv. Safe to call more than once."""
    if EXT_NAME in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(EXT_NAME)
    except ModuleNotFoundError:  # no mmcv at all
        return
    if spec is None:
        sys.modules[EXT_NAME] = sys.modules[__name__]


def in_use():
    """Whether mmcv's ops run on this stand-in (imports ``mmcv.ops`` to find out)."""
    import mmcv.ops  # noqa: F401
    return sys.modules.get(EXT_NAME) is sys.modules[__name__]


def install_finder():
    """Let ``import mmcv._ext`` resolve to this module, lazily, unless a compiled extension
    exists: a finder appended to ``sys.meta_path``, for the start-up hook only (nothing is
    imported until mmcv imports ``mmcv._ext``). Safe to call more than once."""
    if not any(isinstance(f, _StandInFinder) for f in sys.meta_path):
        sys.meta_path.append(_StandInFinder())


def startup_hook_path(site_dir=None):
    return osp.join(site_dir or sysconfig.get_paths()['purelib'], HOOK_NAME)


def write_startup_hook(site_dir=None):
    """Write a ``.pth`` file that calls :func:`install_finder` when Python starts: the explicit
    opt-in of an mmcv-lite environment made for anomseg (``make install`` writes it; ``pip
    install`` never does). With it, mmseg and mmdet import in any order (``from mmseg.utils
    import ...`` before ``import anomseg``). It loads this one file, which imports nothing
    heavy; torch is imported only when an op runs. Returns the path written.
    """
    me = osp.abspath(__file__)
    line = ('import importlib.util as u, os.path as o, sys as s; '
            f'p = {me!r}; n = {__name__!r}; '
            'q = o.isfile(p) and n not in s.modules and u.spec_from_file_location(n, p); '
            'q and (s.modules.setdefault(n, u.module_from_spec(q)), '
            'q.loader.exec_module(s.modules[n]), s.modules[n].install_finder())\n')
    path = startup_hook_path(site_dir)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(line)
    os.replace(tmp, path)
    return path


def remove_startup_hook(site_dir=None):
    path = startup_hook_path(site_dir)
    if osp.exists(path):
        os.remove(path)


def get_compiler_version():
    return NOT_COMPILED


def get_compiling_cuda_version():
    return NOT_COMPILED


def _deform_attn(value, spatial_shapes, sampling_locations, attention_weights):
    from .deform_attn import multi_scale_deformable_attn

    # A host list: the per-level split and reshape need plain ints, also for CUDA tensors.
    shapes = [tuple(hw) for hw in spatial_shapes.tolist()]
    out = multi_scale_deformable_attn(value, shapes, sampling_locations, attention_weights)
    # The compiled kernel returns value's dtype; grid_sample may run in float32 under autocast.
    return out.to(value.dtype)


def ms_deform_attn_forward(value, spatial_shapes, level_start_index, sampling_locations,
                           attention_weights, im2col_step=None):
    """Multi-scale deformable attention: (bs, num_queries, num_heads * head_dims)."""
    return _deform_attn(value, spatial_shapes, sampling_locations, attention_weights)


def ms_deform_attn_backward(value, spatial_shapes, level_start_index, sampling_locations,
                            attention_weights, grad_output, grad_value, grad_sampling_loc,
                            grad_attn_weight, im2col_step=None):
    """Gradients of :func:`ms_deform_attn_forward`, written into the given zero buffers."""
    import torch

    inputs = [t.detach().requires_grad_() for t in (value, sampling_locations, attention_weights)]
    with torch.enable_grad():
        out = _deform_attn(inputs[0], spatial_shapes, inputs[1], inputs[2])
        grads = torch.autograd.grad(out, inputs, grad_output.to(out.dtype), allow_unused=True)
    for buffer, grad in zip((grad_value, grad_sampling_loc, grad_attn_weight), grads):
        if grad is not None:
            buffer.copy_(grad)


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError(name)

    def unavailable(*args, **kwargs):
        raise CompiledOpUnavailable(
            f"mmcv op '{name}' needs mmcv's compiled extension, which this install does not "
            f"have (mmcv-lite). anomseg implements only {', '.join(IMPLEMENTED[:2])} in pure "
            'PyTorch. For the compiled ops run `make install MMCV=full` (compiles mmcv 2.1.0 '
            'against the torch in .venv; CUDA ops need nvcc), or install mmcv==2.1.0 built '
            'for your torch.')

    unavailable.__name__ = name
    return unavailable
