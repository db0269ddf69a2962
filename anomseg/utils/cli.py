"""The shell every command-line entry point runs in: bad input (``anomseg.utils.errors``:
``InputError`` and the OS errors of a missing, unreadable or unwritable path) ends the process
with exit code 2 and one line ``PROG: error: MESSAGE (--debug shows the traceback)`` on stderr;
``--debug`` (or ``ANOMSEG_DEBUG=1``) shows the traceback instead. Anything else is a bug and
keeps its traceback."""
import functools
import os
import sys

from mmengine.config import DictAction

from .errors import is_input_error

DEBUG_ENV = 'ANOMSEG_DEBUG'
DEBUG_HINT = '(--debug shows the traceback)'


def add_debug_argument(parser):
    parser.add_argument('--debug', action='store_true',
                        help='show the traceback of an expected error (bad input) too')
    return parser


def error_line(err):
    """One line for an exception: its message; a DataLoader worker's re-raised error keeps only
    the original message (its last line)."""
    text = str(err)
    if 'Original Traceback' in text:
        text = text.strip().splitlines()[-1].split(': ', 1)[-1]
    return ' '.join(text.split()) or type(err).__name__


def cli(prog):
    """Decorate ``main(argv=None)`` of an entry point with the shell described above."""
    def wrap(main):
        @functools.wraps(main)
        def run(argv=None):
            args = sys.argv[1:] if argv is None else list(argv)
            try:
                return main(argv)
            except Exception as err:
                # a DataLoader worker's error is re-raised by torch with its own type
                if not is_input_error(err) or '--debug' in args or os.environ.get(DEBUG_ENV):
                    raise
                print(f'{prog}: error: {error_line(err)} {DEBUG_HINT}', file=sys.stderr)
                sys.exit(2)
        return run
    return wrap


class ConfigOptions(DictAction):
    """mmengine's ``--cfg-options`` parser (``key=value``, lists as ``a,b`` or ``[a,b]``),
    except that a plain value keeps its spaces: mmengine deletes every space of a value, which
    turns ``data_root=/data/my set`` into ``/data/myset``."""

    @staticmethod
    def _parse_iterable(val):
        text = val.strip('\'"')
        if any(c in text for c in ',[]()'):
            return DictAction._parse_iterable(val)
        return DictAction._parse_int_float_bool(text)
