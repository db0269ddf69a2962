"""Register scorers with the kind of model output they read, and turn scorer settings
(``'msp'``, ``dict(type='energy', temperature=2.0)``, lists, or a comma-separated string) into
named callables."""
import functools
from collections import namedtuple

from anomseg.registry import SCORERS
from anomseg.utils.errors import InputError

# What a scorer reads: 'logits', per-pixel class scores (N, C, H, W) (a mask-classification
# model passes its L_k(x), see QueryOutputs); 'queries', a QueryOutputs.
SCORER_INPUTS = ('logits', 'queries')
Scorer = namedtuple('Scorer', 'fn inputs')


def register_scorer(name, inputs='logits'):
    """Decorator: register ``fn`` in SCORERS under ``name``, reading ``inputs``."""
    if inputs not in SCORER_INPUTS:
        raise InputError(f'scorer inputs must be one of {SCORER_INPUTS}, got {inputs!r}')

    def wrap(fn):
        fn.scorer_inputs = inputs
        SCORERS.register_module(name=name, module=fn)
        return fn
    return wrap


def build_scorers(cfg):
    """Return an ordered dict {name: Scorer(callable, inputs)} for one or several scorers.

    A scorer given with keyword arguments keeps its type as name unless ``name`` is set, so two
    settings of one scorer can be compared in one pass: ``dict(type='energy', temperature=2,
    name='energy_t2')``.
    """
    if isinstance(cfg, str):
        cfg = [part.strip() for part in cfg.split(',') if part.strip()]
    elif isinstance(cfg, dict):
        cfg = [cfg]
    scorers = {}
    for item in cfg:
        item = dict(type=item) if isinstance(item, str) else dict(item)
        kind = item.pop('type')
        name = item.pop('name', kind)
        fn = SCORERS.get(kind)
        if fn is None:
            raise InputError(f'unknown anomaly scorer {kind!r}; registered: '
                             f'{", ".join(sorted(SCORERS.module_dict))}')
        if name in scorers:
            raise InputError(f'anomaly scorer name {name!r} is given twice: set name= apart')
        scorers[name] = Scorer(functools.partial(fn, **item) if item else fn, fn.scorer_inputs)
    if not scorers:
        raise InputError('no anomaly scorer given')
    return scorers
