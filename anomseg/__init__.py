"""anomseg: dense anomaly segmentation on mmsegmentation.

Importing the package registers every anomseg module into mmseg's registries (MODELS, DATASETS,
TRANSFORMS, METRICS, HOOKS) and changes no other library's behaviour. Configs import it with
``custom_imports = dict(imports=['anomseg', 'anomseg.runtime'], allow_failed_imports=False)``;
``anomseg.runtime`` applies anomseg's settings of an mmengine run (the allow-listed checkpoint
loader, the atomic file backend).

Without compiled mmcv ops (the default mmcv-lite install), mmcv has no ``mmcv._ext`` module:
importing anomseg provides anomseg's pure-PyTorch one (``anomseg.ops.mmcv_ext``) under that name,
before anything imports ``mmcv.ops``; with compiled mmcv nothing is added.
"""
from . import ops

ops.install()

from . import (apis, datasets, engine, evaluation, models, submission,  # noqa: E402,F401
               visualization)
from .version import __version__  # noqa: E402

__all__ = ['__version__']
