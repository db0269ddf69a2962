import argparse
import errno

import pytest

from anomseg.utils.cli import ConfigOptions, add_debug_argument, cli, error_line
from anomseg.utils.errors import InputError


def tool(error):
    @cli('tool.py')
    def main(argv=None):
        add_debug_argument(argparse.ArgumentParser()).parse_args(argv)
        raise error

    return main


@pytest.mark.parametrize('error, line', [
    (InputError('scorer \'x\' is not computed\n  by this model'),
     "scorer 'x' is not computed by this model"),
    (FileNotFoundError(errno.ENOENT, 'No such file or directory', '/data/x.png'),
     "[Errno 2] No such file or directory: '/data/x.png'"),
    (PermissionError(errno.EACCES, 'Permission denied', '/out'),
     "[Errno 13] Permission denied: '/out'"),
    (OSError(errno.EROFS, 'Read-only file system', '/ro/out'),
     "[Errno 30] Read-only file system: '/ro/out'"),
])
def test_bad_input_ends_in_one_line_that_says_how_to_see_more(capsys, error, line):
    main = tool(error)
    with pytest.raises(SystemExit) as stop:
        main([])
    assert stop.value.code == 2
    assert capsys.readouterr().err == \
        f'tool.py: error: {line} (--debug shows the traceback)\n'
    with pytest.raises(type(error)):        # --debug: the error itself, with its traceback
        main(['--debug'])


@pytest.mark.parametrize('error', [ZeroDivisionError('a bug'), KeyError('scores'),
                                   ValueError('a library refused a value'),
                                   OSError(errno.EIO, 'I/O error')])
def test_bugs_and_other_errors_keep_their_traceback(error):
    with pytest.raises(type(error)):
        tool(error)([])


def test_a_key_error_inside_a_metric_is_a_bug_with_its_traceback(tmp_path, monkeypatch):
    """An injected bug: a dict lookup inside the metric fails while tools/eval_scores.py runs
    on valid maps; the user sees the KeyError's traceback, not one line."""
    import os.path as osp
    import sys

    import numpy as np
    from PIL import Image

    from anomseg.evaluation.metrics import anomaly_metric
    from tests.conftest import REPO
    root = tmp_path / 'bundle'
    for d in ('images', 'labels_masks'):
        (root / d).mkdir(parents=True)
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / 'images' / 'a.png')
    label = np.zeros((8, 8), np.uint8)
    label[2:4, 2:4] = 1
    Image.fromarray(label).save(root / 'labels_masks' / 'a.png')
    (tmp_path / 'scores').mkdir()
    np.save(tmp_path / 'scores' / 'a.npy', np.random.default_rng(0).random((8, 8), np.float32))

    def broken(*args, **kwargs):
        return {}['threshold']

    monkeypatch.setattr(anomaly_metric.AnomalyMetric, 'compute_metrics', broken)
    sys.path.insert(0, osp.join(REPO, 'tools'))
    from eval_scores import main
    with pytest.raises(KeyError, match='threshold'):
        main(['--dataset', 'FishyscapesStatic', '--data-root', str(root), '--scores',
              str(tmp_path / 'scores'), '--out', str(tmp_path / 'out'), '--no-report'])


def test_a_worker_error_keeps_the_original_message():
    text = ('Caught InputError in DataLoader worker process 0.\nOriginal Traceback (most '
            'recent call last):\n  File "x.py", line 1\nanomseg.utils.errors.InputError: '
            '/data/a.png: truncated PNG image')
    assert error_line(InputError(text)) == '/data/a.png: truncated PNG image'


def test_config_options_keep_spaces_in_plain_values():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptions)
    args = parser.parse_args(['--cfg-options', 'data_root=/data/my set/ünï', 'lr=0.01',
                              'flip=True', 'scale=[1, 2]', 'crop=(64,128)'])
    assert args.cfg_options == {'data_root': '/data/my set/ünï', 'lr': 0.01, 'flip': True,
                                'scale': [1, 2], 'crop': (64, 128)}
