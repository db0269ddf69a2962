"""Packages only some commands need, installed as extras of anomseg (``setup.cfg``):
``import_optional`` imports one or, when it is not installed, raises one ``InputError`` naming
the extra that brings it."""
import importlib

from .errors import InputError

EXTRAS = {'onnx': 'onnx', 'onnxruntime': 'onnx', 'nibabel': 'medical', 'skimage': 'data'}


def import_optional(name, what):
    """``importlib.import_module(name)``, or an InputError saying that ``what`` needs the extra
    of ``name``."""
    try:
        return importlib.import_module(name)
    except ImportError:
        extra = EXTRAS[name.split('.')[0]]
        raise InputError(f'{what} needs {name.split(".")[0]}, which is not installed: '
                         f"pip install 'anomseg[{extra}]'") from None
