from .run_config import apply_test_options, apply_train_options, load_config

__all__ = ['apply_test_options', 'apply_train_options', 'load_config']
