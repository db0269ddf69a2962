import argparse
import pathlib
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner import CheckpointLoader, load_checkpoint

import anomseg  # noqa: F401  (registers the loader)
from anomseg.utils import TRUST_ENV, UntrustedCheckpointError, load_checkpoint_file


class Touch:
    """Unpickling this runs Path.touch: a stand-in for any code an attacker wants to run."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return pathlib.Path.touch, (pathlib.Path(self.path),)


def mmengine_like_checkpoint(path):
    """What mmengine's Runner.save_checkpoint writes: weights, optimizer, meta with message hub."""
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters())
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    hub = MessageHub.get_instance('anomseg-test-checkpoint')
    hub.update_scalar('train/loss', np.float64(0.25))
    hub.update_scalar('train/lr', 0.001)
    hub.update_info('iter', 2)
    meta = dict(epoch=0, iter=2, cfg='model = dict()', seed=np.int64(0), mmengine='0.10.7',
                time='20261122_120000', message_hub=hub.state_dict(),
                dataset_meta=dict(classes=('road', 'car'), palette=[[1, 2, 3], [4, 5, 6]]),
                hist=np.arange(3, dtype=np.float32))
    torch.save(dict(meta=meta, state_dict=model.state_dict(), optimizer=opt.state_dict()), path)
    return model


def test_mmengine_checkpoint_loads_without_trusting(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = tmp_path / 'ckpt.pth'
    model = mmengine_like_checkpoint(path)
    with pytest.raises(pickle.UnpicklingError):  # torch's default refuses it: the test matters
        torch.load(path, weights_only=True)
    ckpt = load_checkpoint_file(str(path))
    assert torch.equal(ckpt['state_dict']['weight'], model.weight)
    hub = ckpt['meta']['message_hub']
    assert hub['log_scalars']['train/loss'].current() == 0.25
    assert np.array_equal(ckpt['meta']['hist'], np.arange(3, dtype=np.float32))


def test_mmengine_routes_local_files_through_the_safe_loader(tmp_path, monkeypatch):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    assert CheckpointLoader._get_checkpoint_loader('x/y.pth') is load_checkpoint_file
    path = tmp_path / 'ckpt.pth'
    model = mmengine_like_checkpoint(path)
    fresh = torch.nn.Linear(3, 2)
    load_checkpoint(fresh, str(path), map_location='cpu', strict=True)
    assert torch.equal(fresh.weight, model.weight)


@pytest.mark.parametrize('zipfile', [True, False])
def test_malicious_pickle_does_not_run(tmp_path, monkeypatch, zipfile):
    monkeypatch.delenv(TRUST_ENV, raising=False)
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'payload': Touch(str(marker))}, path,
               _use_new_zipfile_serialization=zipfile)
    # the payload reaches Path.touch through getattr: either name is refused
    with pytest.raises(UntrustedCheckpointError,
                       match=f'evil.pth: refused to unpickle .*(pathlib|getattr).*{TRUST_ENV}=1'):
        load_checkpoint_file(str(path))
    model = torch.nn.Linear(3, 2)
    with pytest.raises(UntrustedCheckpointError):
        load_checkpoint(model, str(path))
    assert not marker.exists()


def test_getattr_is_allowed_only_for_history_buffer_statistics(tmp_path, monkeypatch):
    """mmengine's HistoryBuffer pickles getattr(HistoryBuffer, 'min'); getattr on anything
    else (here: a file-writing method of an allowed class) stays refused."""

    class Reach:
        def __reduce__(self):
            return getattr, (np.ndarray, 'tofile')

    monkeypatch.delenv(TRUST_ENV, raising=False)
    path = tmp_path / 'reach.pth'
    torch.save({'x': Reach()}, path)
    with pytest.raises(pickle.UnpicklingError, match='tofile'):
        load_checkpoint_file(str(path))


def test_trusted_legacy_file_loads_only_with_opt_in(tmp_path, monkeypatch):
    path = tmp_path / 'legacy.pth'
    torch.save({'state_dict': {'w': torch.ones(2)}, 'args': argparse.Namespace(lr=0.1)}, path)
    monkeypatch.delenv(TRUST_ENV, raising=False)
    with pytest.raises(UntrustedCheckpointError, match='argparse.Namespace'):
        load_checkpoint_file(str(path))
    monkeypatch.setenv(TRUST_ENV, '1')
    assert load_checkpoint_file(str(path))['args'].lr == 0.1


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.pth'):
        load_checkpoint_file(str(tmp_path / 'nothere.pth'))
