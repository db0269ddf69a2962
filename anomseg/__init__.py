"""anomseg: dense anomaly segmentation on mmsegmentation.

Importing the package registers every anomseg module into mmseg's registries (MODELS, DATASETS,
TRANSFORMS, METRICS, HOOKS) and makes mmengine load local checkpoints through the allow-listed
loader of ``anomseg.utils.checkpoint``. Configs import it with
``custom_imports = dict(imports=['anomseg'], allow_failed_imports=False)``.
"""
from . import apis, datasets, engine, evaluation, models, submission, visualization  # noqa: F401
from .utils.checkpoint import register_safe_loader
from .version import __version__

register_safe_loader()

__all__ = ['__version__']
