import argparse
import pathlib
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner import CheckpointLoader, load_checkpoint

import anomseg.runtime  # noqa: F401  (the opt-in: mmengine's local loader is anomseg's)
from anomseg.utils.checkpoint import check_checkpoint_fits
from anomseg.utils.errors import InputError
from anomseg.utils import (TRUST_ENV, UntrustedCheckpointError, compact_checkpoint,
                           load_checkpoint_file)


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


def small_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                               torch.nn.Conv2d(4, 2, 1))


def test_compact_checkpoint_keeps_weights_in_half_precision(tmp_path):
    mmengine_like_checkpoint(tmp_path / 'full.pth')
    full = load_checkpoint_file(str(tmp_path / 'full.pth'))
    compact = compact_checkpoint(full)
    assert set(compact) == {'state_dict', 'meta'}
    assert set(compact['meta']) == {'dataset_meta'}
    for key, value in full['state_dict'].items():
        assert compact['state_dict'][key].dtype == torch.float16
        assert torch.equal(compact['state_dict'][key], value.half())


def test_delta_checkpoint_expands_to_the_fine_tuned_weights(tmp_path):
    base = small_net()
    base_state = {k: v.clone() for k, v in base.state_dict().items()}
    torch.save(compact_checkpoint(base_state), tmp_path / 'base.pth')
    with torch.no_grad():  # "fine-tune" the last layer only
        base[2].weight += 1.0
    delta = compact_checkpoint(base.state_dict(), base_state, str(tmp_path / 'base.pth'))
    assert set(delta['state_dict']) == {'2.weight'}
    assert delta['meta']['delta_of']['file'] == 'base.pth'
    torch.save(delta, tmp_path / 'ft.pth')
    loaded = load_checkpoint_file(str(tmp_path / 'ft.pth'))
    assert 'delta_of' not in loaded['meta']
    expected = {k: v.half() if v.is_floating_point() else v for k, v in base.state_dict().items()}
    assert set(loaded['state_dict']) == set(expected)
    for key, value in expected.items():
        assert torch.equal(loaded['state_dict'][key], value), key
    # mmengine's own loading path (tools, init_model) expands it too, into a float32 model
    target = small_net()
    load_checkpoint(target, str(tmp_path / 'ft.pth'), strict=True)
    assert torch.allclose(target[2].weight, base[2].weight, atol=1e-2)


def test_delta_checkpoint_refuses_a_changed_or_missing_base(tmp_path):
    base = small_net()
    state = base.state_dict()
    torch.save(compact_checkpoint(state), tmp_path / 'base.pth')
    changed = {k: v + 1 if v.is_floating_point() else v for k, v in state.items()}
    torch.save(compact_checkpoint(changed, state, str(tmp_path / 'base.pth')), tmp_path / 'ft.pth')
    torch.save(compact_checkpoint(changed), tmp_path / 'base.pth')  # base replaced
    with pytest.raises(ValueError, match='base.pth.*SHA-256'):
        load_checkpoint_file(str(tmp_path / 'ft.pth'))
    (tmp_path / 'base.pth').unlink()
    with pytest.raises(FileNotFoundError, match='ft.pth: a delta of base.pth'):
        load_checkpoint_file(str(tmp_path / 'ft.pth'))


def test_delta_leaves_out_tensors_that_round_to_the_published_base(tmp_path):
    """A model fine-tuned from a float16 base holds the base's values in float32: those tensors
    are the base's once published, so the delta leaves them out."""
    base = compact_checkpoint(small_net().state_dict())  # float16, as published
    torch.save(base, tmp_path / 'base.pth')
    tuned = {k: v.float() if v.is_floating_point() else v.clone()
             for k, v in base['state_dict'].items()}
    tuned['2.bias'] = tuned['2.bias'] + 0.25
    delta = compact_checkpoint(tuned, base, str(tmp_path / 'base.pth'))
    assert set(delta['state_dict']) == {'2.bias'}


def small_model():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4),
                               torch.nn.Conv2d(4, 2, 1))


def test_a_checkpoint_that_fits_passes_with_or_without_the_wrapper_prefix():
    model = small_model()
    state = model.state_dict()
    check_checkpoint_fits(model, dict(state_dict=state), 'a.pth')
    check_checkpoint_fits(model, {f'module.{k}': v for k, v in state.items()}, 'a.pth')


@pytest.mark.parametrize('change, message', [
    (lambda s: s.pop('2.bias'), r'b\.pth does not fit the model: 1 model tensors missing from '
                                r'it, e\.g\. 2\.bias \(a checkpoint of another config\?\)'),
    (lambda s: s.update({'head.weight': torch.zeros(1)}),
     r'1 tensors the model lacks, e\.g\. head\.weight'),
    (lambda s: s.update({'2.weight': torch.zeros(3, 4, 1, 1)}),
     r'1 of another shape, e\.g\. 2\.weight \(\(3, 4, 1, 1\) in the file, \(2, 4, 1, 1\) in '
     r'the model\)'),
])
def test_a_checkpoint_that_does_not_fit_is_refused_naming_its_tensors(change, message):
    model = small_model()
    state = dict(model.state_dict())
    change(state)
    with pytest.raises(InputError, match=message):
        check_checkpoint_fits(model, dict(state_dict=state), 'b.pth')


def test_another_models_checkpoint_lists_every_kind_of_misfit():
    # model: 0 conv (weight, bias), 1 batch norm (5 tensors), 2 conv (weight, bias)
    other = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 5), torch.nn.Linear(2, 2),
                                torch.nn.Identity(), torch.nn.Identity(), torch.nn.Linear(1, 1))
    with pytest.raises(InputError) as err:
        check_checkpoint_fits(small_model(), other.state_dict(), 'other.pth')
    text = str(err.value)
    assert '5 model tensors missing from it, e.g. 1.running_mean, 1.running_var, ' \
           '1.num_batches_tracked' in text          # and 2.weight, 2.bias
    assert '2 tensors the model lacks, e.g. 4.weight, 4.bias' in text
    assert '3 of another shape, e.g. 0.weight ((4, 3, 5, 5) in the file, (4, 3, 3, 3) in the ' \
           'model), 1.weight ((2, 2) in the file, (4,) in the model)' in text
