"""anomseg: dense anomaly segmentation on mmsegmentation.

Importing the package registers every anomseg module into mmseg's registries (MODELS, DATASETS,
TRANSFORMS, METRICS, HOOKS) and makes mmengine load local checkpoints through the allow-listed
loader of ``anomseg.utils.checkpoint``. Configs import it with
``custom_imports = dict(imports=['anomseg'], allow_failed_imports=False)``.

Without compiled mmcv ops (the default mmcv-lite install), it first registers anomseg's
pure-PyTorch stand-in for ``mmcv._ext`` (``anomseg.ops.mmcv_ext``), before anything imports
``mmcv.ops``.
"""
from . import ops

ops.install()

from . import (apis, datasets, engine, evaluation, models, submission,  # noqa: E402,F401
               visualization)
from .utils.checkpoint import register_safe_loader  # noqa: E402
from .version import __version__  # noqa: E402

register_safe_loader()

__all__ = ['__version__']
