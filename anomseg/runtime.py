"""anomseg's settings of an mmengine run, applied when this module is imported.

A config opts in with ``custom_imports = dict(imports=['anomseg', 'anomseg.runtime'])``, as
``configs/_base_/default_runtime.py`` does, so ``tools/train.py``, ``Runner.from_cfg`` and
``mim`` get the same run. Importing ``anomseg`` alone applies neither setting:

- local checkpoint files are unpickled through the allow-listed loader and delta checkpoints
  are expanded (``anomseg.utils.checkpoint.register_safe_loader``: mmengine's loader for paths
  without a scheme);
- the file backend ``atomic_local`` exists (``anomseg.utils.atomic_backend``), which the
  checkpoint hook of the base configs writes through.
"""
from anomseg.utils.atomic_backend import register_atomic_backend
from anomseg.utils.checkpoint import register_safe_loader

register_safe_loader()
register_atomic_backend()
