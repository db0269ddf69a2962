import os
import os.path as osp

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def shared_root():
    """The shared data and weights folder: $ANOMSEG_SHARED, else ``../shared`` beside the repo."""
    return osp.abspath(os.environ.get('ANOMSEG_SHARED') or osp.join(REPO_ROOT, '..', 'shared'))
