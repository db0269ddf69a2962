"""Make the public files a command needs available locally, downloading what is missing.

    python tools/fetch_assets.py demo                 # what `make demo` needs
    python tools/fetch_assets.py road_anomaly --print-path
    python tools/fetch_assets.py --list

Looks under $ANOMSEG_SHARED first, then the cache $ANOMSEG_DATA (default ~/.cache/anomseg);
downloads from the official address (or $ANOMSEG_ASSET_MIRROR) with resume, pinned SHA-256 sums
and atomic writes (anomseg.assets). Prints each asset's local path.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from anomseg.assets import ASSETS, TARGETS, asset_path, local_path, names_of  # noqa: E402
from anomseg.utils.cli import add_debug_argument, cli  # noqa: E402


@cli('fetch_assets.py')
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('names', nargs='*', help=f'targets ({", ".join(TARGETS)}) or assets')
    parser.add_argument('--list', action='store_true', help='list targets and assets and where '
                        'each asset lies now')
    parser.add_argument('--print-path', action='store_true',
                        help='print only the local paths, one per line (for scripts)')
    parser.add_argument('--no-download', action='store_true',
                        help='fail instead of downloading what is not here')
    args = add_debug_argument(parser).parse_args(argv)
    if args.list or not args.names:
        for target, names in TARGETS.items():
            print(f'{target}: {", ".join(names)}')
        for name, asset in ASSETS.items():
            print(f'{name:22s} {local_path(name) or "(not here: " + asset.url + ")"}\n'
                  f'{"":22s} {asset.what}')
        return 0
    for name in names_of(args.names):
        path = asset_path(name, download=not args.no_download, progress=not args.print_path)
        print(path if args.print_path else f'{name}: {path}')
    return 0


if __name__ == '__main__':
    main()
