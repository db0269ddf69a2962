import sys

import pytest

from anomseg.utils.errors import InputError
from anomseg.utils.optional import import_optional


@pytest.mark.parametrize('name, extra', [('onnxruntime', 'onnx'), ('nibabel', 'medical'),
                                         ('skimage.data', 'data')])
def test_a_missing_extra_is_one_line_naming_it(monkeypatch, name, extra):
    monkeypatch.setitem(sys.modules, name, None)     # as if not installed
    top = name.split('.')[0]
    with pytest.raises(InputError, match=rf"^the command needs {top}, which is not installed: "
                                         rf"pip install 'anomseg\[{extra}\]'$"):
        import_optional(name, 'the command')


def test_an_installed_package_is_imported():
    assert import_optional('json', 'x').dumps([]) == '[]'
