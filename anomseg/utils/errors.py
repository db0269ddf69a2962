"""The one error type of anomseg's checks of what users give it.

``InputError`` is raised by validation code (a damaged or missing file, an option or config value
out of range, a submission that breaks a server's rules) and names what to fix. The command-line
shell (``anomseg.utils.cli``) prints it as one line; every other exception is a bug and keeps its
traceback. It subclasses ``ValueError``, so code that caught ValueError from anomseg still does.
"""
import errno


class InputError(ValueError):
    """Bad input that the user can fix; the message names the file or option."""


# The OS errors of a missing, unreadable or unwritable path: also the user's to fix.
PATH_ERRORS = (FileNotFoundError, PermissionError, IsADirectoryError, NotADirectoryError,
               FileExistsError)
PATH_ERRNOS = (errno.EROFS, errno.ENOSPC, errno.EACCES, errno.ENOENT, errno.ENAMETOOLONG)


def is_input_error(err):
    """Whether ``err`` is the user's to fix (see module), not a bug."""
    return isinstance(err, (InputError, *PATH_ERRORS)) or (
        type(err) is OSError and err.errno in PATH_ERRNOS)
