"""Public files (weights, benchmark sets) that commands need: found under $ANOMSEG_SHARED or in
the cache ($ANOMSEG_DATA), else downloaded from their official addresses and verified."""
from .catalog import ASSETS, TARGETS, Asset
from .fetch import AssetError, asset_path, cache_root, local_path, names_of

__all__ = ['ASSETS', 'TARGETS', 'Asset', 'AssetError', 'asset_path', 'cache_root', 'local_path',
           'names_of']
