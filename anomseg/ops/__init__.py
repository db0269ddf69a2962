"""Pure-PyTorch stand-ins for compiled mmcv ops (used when mmcv has no compiled extension)."""
from .mmcv_ext import (CompiledOpUnavailable, in_use, install, install_finder,
                       remove_startup_hook, write_startup_hook)

__all__ = ['CompiledOpUnavailable', 'in_use', 'install', 'install_finder', 'remove_startup_hook',
           'write_startup_hook']
