from .run_config import (add_runner_arguments, apply_runner_arguments, apply_test_options,
                         apply_train_options, load_config)

__all__ = ['add_runner_arguments', 'apply_runner_arguments', 'apply_test_options',
           'apply_train_options', 'load_config']
