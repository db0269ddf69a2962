"""RandomStateHook's part of a deterministic run: oneDNN off while the run lasts, as it was after
(the resume and validation behaviour is tested end to end in tests/test_tools)."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from anomseg.engine.hooks.random_state_hook import RandomStateHook


@pytest.mark.parametrize('deterministic', [True, False])
def test_deterministic_runs_turn_onednn_off_for_the_run_only(deterministic):
    before = torch.backends.mkldnn.enabled
    runner = SimpleNamespace(cfg=Config(dict(randomness=dict(seed=0,
                                                             deterministic=deterministic))))
    hook = RandomStateHook()
    try:
        hook.before_run(runner)
        assert torch.backends.mkldnn.enabled is (before and not deterministic)
        hook.after_run(runner)
        assert torch.backends.mkldnn.enabled is before
    finally:
        torch.backends.mkldnn.enabled = before
