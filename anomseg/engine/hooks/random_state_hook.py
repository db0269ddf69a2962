import torch
from mmengine.hooks import Hook
from mmseg.registry import HOOKS


def torch_random_state():
    """The generator states torch draws from: the CPU one and each initialised CUDA device's."""
    state = dict(cpu=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_torch_random_state(state):
    torch.set_rng_state(state['cpu'])
    if state.get('cuda') is not None and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Lets a resumed training draw the random numbers an uninterrupted one would have drawn, so
    that, with the same seed on CPU, it ends with the same weights bit for bit.

    mmengine's resume re-seeds every generator with the run's seed and then advances the
    training dataloader past the batches already trained. That replays the data side (the
    sampler and the transforms' numpy / ``random`` draws, which happen in the same order), but
    not torch's generator, which the model's dropout and the validation dataloader advanced
    meanwhile. This hook
    - saves torch's generator state (CPU and CUDA) in every checkpoint (``random_state``) and
      sets it back before the first iteration after a resume;
    - keeps validation out of the training's random stream (the state is saved before and set
      back after each validation), so that where validation falls does not change training;
    - with ``randomness.deterministic=True`` (mmengine's switch for deterministic algorithms and
      cuDNN) also turns oneDNN (mkldnn) off for the run, and back on after it: its CPU
      convolutions can give results that differ in the last bits from run to run when the
      machine is loaded (measured: up to 1.4e-5 on a near-flat entropy map, which moved a
      metric), so bit-for-bit repetition on CPU needs PyTorch's own kernels (slower).
    """
    priority = 'VERY_LOW'

    def __init__(self):
        self._resumed = None
        self._before_val = None
        self._mkldnn = None

    def before_run(self, runner):
        if runner.cfg.get('randomness', {}).get('deterministic'):
            self._mkldnn = torch.backends.mkldnn.enabled
            torch.backends.mkldnn.enabled = False

    def after_run(self, runner):
        if self._mkldnn is not None:
            torch.backends.mkldnn.enabled = self._mkldnn
            self._mkldnn = None

    def before_val(self, runner):
        self._before_val = torch_random_state()

    def after_val(self, runner):
        if self._before_val is not None:
            set_torch_random_state(self._before_val)
            self._before_val = None

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint['random_state'] = torch_random_state()

    def after_load_checkpoint(self, runner, checkpoint):
        if runner._resume:  # not for ``load_from`` (fine-tuning starts from the seed)
            self._resumed = checkpoint.get('random_state')

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if self._resumed is not None:
            set_torch_random_state(self._resumed)
            self._resumed = None
