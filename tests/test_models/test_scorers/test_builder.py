import pytest
import torch

from anomseg.models.scorers import build_scorers, energy
from anomseg.utils.errors import InputError


def test_names_order_and_kwargs():
    scorers = build_scorers(['msp', dict(type='energy', temperature=2.0, name='energy_t2'),
                             'energy'])
    assert list(scorers) == ['msp', 'energy_t2', 'energy']
    z = torch.randn(1, 4, 3, 5)
    assert torch.allclose(scorers['energy_t2'].fn(z), energy(z, temperature=2.0))
    assert scorers['msp'].inputs == 'logits'
    assert build_scorers('rba')['rba'].inputs == 'queries'


def test_comma_separated_string():
    assert list(build_scorers('msp, entropy')) == ['msp', 'entropy']


def test_unknown_scorer_names_the_known_ones():
    with pytest.raises(InputError, match='unknown anomaly scorer .*nope.*registered: .*msp'):
        build_scorers('nope')


def test_duplicate_names_refused():
    with pytest.raises(ValueError, match='given twice'):
        build_scorers('msp,msp')
