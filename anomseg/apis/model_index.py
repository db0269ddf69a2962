"""Published models by name: the index the method folders' metafiles make
(``configs/METHOD/metafile.yaml``, mmseg's format, written by ``tools/model_zoo/metafiles.py``).

A model's name is its metafile ``Alias``, ``MODEL_ZOO`` (``erfnet-rpl_cityscapes``); the name
gives its config, its weights (checked against the metafile's SHA-256 before use), licence and
the results of those weights. The metafiles and weights live in the anomseg checkout
(``configs/``, ``checkpoints/``); ``ANOMSEG_ROOT`` names another checkout.
"""
import difflib
import glob
import os
import os.path as osp
from dataclasses import dataclass, field

from anomseg.utils.checkpoint import file_sha256
from anomseg.utils.errors import InputError
from .run_config import CONFIG_SUFFIXES


@dataclass(frozen=True)
class ModelInfo:
    """One published model: ``results`` maps a dataset (an anomaly set, or the closed-set test)
    to its metrics in %; ``scorer`` is the scorer those anomaly results are of."""
    name: str
    title: str
    config: str
    checkpoint: str
    sha256: str
    licence: str
    task: str
    scorer: str
    base: str = None
    results: dict = field(default_factory=dict)

    def checked_checkpoint(self):
        """The weights' path once their SHA-256 is the metafile's."""
        if not osp.isfile(self.checkpoint):
            raise FileNotFoundError(f'{self.checkpoint}: the weights of model {self.name} are '
                                    'missing')
        digest = file_sha256(self.checkpoint)
        if digest != self.sha256:
            raise InputError(f'{self.checkpoint}: SHA-256 {digest[:12]}... is not model '
                             f'{self.name}\'s {self.sha256[:12]}... (damaged or replaced)')
        return self.checkpoint


def index_root():
    """The checkout whose configs/ and checkpoints/ the names resolve in."""
    return os.environ.get('ANOMSEG_ROOT') or osp.dirname(osp.dirname(osp.dirname(
        osp.abspath(__file__))))


def _task(zoo):
    return 'medical' if zoo == 'emidec' else 'driving'


def read_index(root=None):
    """{name: ModelInfo} of every metafile under ``root``/configs, in the metafiles' order."""
    import yaml
    root = root or index_root()
    paths = sorted(glob.glob(osp.join(root, 'configs', '*', 'metafile.yaml')))
    if not paths:
        raise InputError(f'{root}: no configs/*/metafile.yaml; model names need an anomseg '
                         'checkout (set ANOMSEG_ROOT to one), else give CONFIG and CHECKPOINT')
    index = {}
    for path in paths:
        for m in yaml.safe_load(open(path))['Models']:
            meta = m['Metadata']
            results = {r['Dataset']: dict(r['Metrics']) for r in m['Results']}
            index[m['Alias']] = ModelInfo(
                name=m['Alias'], title=meta['Title'], config=osp.join(root, m['Config']),
                checkpoint=osp.join(root, m['Weights']), sha256=m['SHA256'],
                licence=m['License'], task=_task(m['Alias'].rsplit('_', 1)[1]),
                scorer=meta['Scorer'], base=meta.get('Base'), results=results)
    return index


def get_model(name, root=None):
    """The ModelInfo of ``name``; an unknown name is refused with the closest ones."""
    index = read_index(root)
    if name not in index:
        close = difflib.get_close_matches(name, list(index), n=3, cutoff=0.5)
        hint = f'; did you mean {", ".join(close)}?' if close else ''
        raise InputError(f'{name}: neither a config file nor a model name{hint} '
                         '(python tools/list_models.py lists them)')
    return index[name]


def resolve_model(config, checkpoint=None, root=None):
    """(config path, checkpoint path) for what a user gave: a config file and a checkpoint, or a
    model name alone (its weights checked against their SHA-256)."""
    if config.endswith(CONFIG_SUFFIXES) or osp.exists(config):
        return config, checkpoint
    model = get_model(config, root)
    if checkpoint is not None:
        raise InputError(f'{config} is a model name, which brings its own weights: drop '
                         f'{checkpoint}, or give a config file')
    return model.config, model.checked_checkpoint()


def add_model_arguments(parser):
    """The tools' ``CONFIG CHECKPOINT`` positionals, where a model name may stand for both."""
    parser.add_argument('config', help='config file, or a model name (tools/list_models.py), '
                        'which brings its checkpoint')
    parser.add_argument('checkpoint', nargs='?', help='checkpoint file (with a config file)')
    return parser


def resolve_model_arguments(args):
    """``args.config`` / ``args.checkpoint`` as files (``resolve_model``); a config file needs
    its checkpoint."""
    args.config, args.checkpoint = resolve_model(args.config, args.checkpoint)
    if args.checkpoint is None:
        raise InputError(f'{args.config}: a config file needs a CHECKPOINT after it')
    return args
