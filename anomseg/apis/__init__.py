from .run_config import (add_benchmark_arguments, add_runner_arguments, apply_runner_arguments,
                         apply_test_options, apply_train_options, benchmark_options,
                         load_config)

__all__ = ['add_benchmark_arguments', 'add_runner_arguments', 'apply_runner_arguments',
           'apply_test_options', 'apply_train_options', 'benchmark_options', 'load_config']
