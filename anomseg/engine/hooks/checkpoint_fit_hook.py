from mmengine.hooks import Hook
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import BaseLoop
from mmseg.registry import HOOKS

from anomseg.utils.checkpoint import check_checkpoint_fits


@HOOKS.register_module()
class CheckpointFitHook(Hook):
    """Refuse a checkpoint that does not fit the model, when the runner loads one (``load_from``,
    ``tools/test.py CONFIG CKPT``, ``--resume``): mmengine loads non-strictly, so another
    model's checkpoint would leave random weights with nothing but two log lines to say so.

    ``fine_tuning=True`` (the configs that start a training from a base model's weights): in a
    training that is not a resume, ``load_from`` may fit partly, its new modules initialised by
    the model; tests and resumes stay strict. Pretrained backbones load through ``init_cfg``,
    which this hook does not see.
    """
    priority = 'VERY_HIGH'

    def __init__(self, fine_tuning=False):
        self.fine_tuning = fine_tuning

    def after_load_checkpoint(self, runner, checkpoint):
        training = isinstance(runner._train_loop, BaseLoop)
        if self.fine_tuning and training and not runner._resume:
            return
        model = runner.model
        while is_model_wrapper(model) or isinstance(model, BaseTTAModel):
            model = model.module  # unwrapped as mmengine's loader does
        check_checkpoint_fits(model, checkpoint, runner._load_from or 'the checkpoint')
