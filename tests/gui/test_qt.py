"""desktopcrm.qt: every listed name resolves, lazily, to the object its import names."""

from __future__ import annotations

import ast
import importlib
import inspect

import pytest

from desktopcrm import qt


def listed_imports() -> dict[str, tuple[str, str]]:
    """name -> (module, attribute) from the imports under ``if TYPE_CHECKING:`` in qt.py."""
    tree = ast.parse(inspect.getsource(qt))
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    listed: dict[str, tuple[str, str]] = {}
    for node in block.body:
        assert isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names:
            listed[alias.asname or alias.name] = (node.module, alias.name)
    return listed


def test_all_and_the_typing_imports_list_the_same_names() -> None:
    assert sorted(listed_imports()) == sorted(qt.__all__)


@pytest.mark.parametrize("name", sorted(listed_imports()))
def test_each_name_is_the_listed_object(name: str) -> None:
    module, attribute = listed_imports()[name]
    assert getattr(qt, name) is getattr(importlib.import_module(module), attribute)


def test_unknown_names_are_refused() -> None:
    with pytest.raises(AttributeError):
        qt.QWebEngineView  # noqa: B018  (not listed, so not offered)
    with pytest.raises(ImportError):
        exec("from desktopcrm.qt import QLabell", {})
