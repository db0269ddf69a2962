from types import SimpleNamespace

import pytest
import torch
from mmengine.runner import IterBasedTrainLoop

from anomseg.engine.hooks import CheckpointFitHook
from anomseg.utils.errors import InputError


def runner(training, resume=False):
    model = torch.nn.Linear(2, 3)
    loop = object.__new__(IterBasedTrainLoop) if training else dict(type='IterBasedTrainLoop')
    return SimpleNamespace(model=model, _load_from='base.pth', _resume=resume, _train_loop=loop)


def partial_checkpoint():
    return dict(state_dict=dict(weight=torch.zeros(3, 2)))      # no bias: a new module


@pytest.mark.parametrize('fine_tuning, training, resume, refused', [
    (False, False, False, True),    # a test run: the checkpoint must fit
    (False, True, False, True),     # training from load_from without the fine-tuning flag
    (True, True, False, False),     # fine-tuning from a base: it may fit partly
    (True, True, True, True),       # a resume is strict
    (True, False, False, True),     # testing a fine-tuning config: strict
])
def test_partial_checkpoints_load_only_when_fine_tuning_starts(fine_tuning, training, resume,
                                                               refused):
    hook = CheckpointFitHook(fine_tuning=fine_tuning)
    if refused:
        with pytest.raises(InputError, match='base.pth does not fit the model: 1 model tensors '
                                             'missing from it, e.g. bias'):
            hook.after_load_checkpoint(runner(training, resume), partial_checkpoint())
    else:
        hook.after_load_checkpoint(runner(training, resume), partial_checkpoint())
