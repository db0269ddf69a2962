import pytest
import torch.nn as nn

from anomseg.models.utils import freeze_except


def toy():
    return nn.Sequential(nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2)),
                         nn.Sequential(nn.Linear(2, 2), nn.Dropout()), nn.Linear(2, 1))


def test_only_named_prefixes_train_and_frozen_parents_are_listed():
    m = toy()
    frozen = freeze_except(m, ['1.0'])
    trainable = sorted(n for n, p in m.named_parameters() if p.requires_grad)
    assert trainable == ['1.0.bias', '1.0.weight']
    assert frozen == ['0', '1.1', '2']


def test_unknown_prefix_is_an_error():
    with pytest.raises(ValueError, match="'head'"):
        freeze_except(toy(), ['head'])
