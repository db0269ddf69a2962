import argparse

import pytest

from anomseg.utils.cli import ConfigOptions, add_debug_argument, cli, error_line


def test_expected_errors_end_in_one_line_and_exit_code_2(capsys):
    @cli('tool.py')
    def main(argv=None):
        add_debug_argument(argparse.ArgumentParser()).parse_args(argv)
        raise KeyError('scorer \'x\' is not computed\n  by this model')

    with pytest.raises(SystemExit) as stop:
        main([])
    assert stop.value.code == 2
    assert capsys.readouterr().err == "tool.py: error: scorer 'x' is not computed by this model\n"
    with pytest.raises(KeyError):           # --debug: the error itself, with its traceback
        main(['--debug'])


def test_bugs_keep_their_traceback():
    @cli('tool.py')
    def main(argv=None):
        raise ZeroDivisionError('a bug')

    with pytest.raises(ZeroDivisionError):
        main([])


def test_a_worker_error_keeps_the_original_message():
    text = ('Caught ValueError in DataLoader worker process 0.\nOriginal Traceback (most recent '
            'call last):\n  File "x.py", line 1\nValueError: /data/a.png: truncated PNG image')
    assert error_line(ValueError(text)) == '/data/a.png: truncated PNG image'


def test_config_options_keep_spaces_in_plain_values():
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=ConfigOptions)
    args = parser.parse_args(['--cfg-options', 'data_root=/data/my set/ünï', 'lr=0.01',
                              'flip=True', 'scale=[1, 2]', 'crop=(64,128)'])
    assert args.cfg_options == {'data_root': '/data/my set/ünï', 'lr': 0.01, 'flip': True,
                                'scale': [1, 2], 'crop': (64, 128)}
