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
    value = getattr(qt, name)
    if isinstance(value, qt.LazyNamespace):  # Qt: its members are the namespace's
        value = value.resolve()
        assert qt.Qt.AlignmentFlag.AlignLeft is value.AlignmentFlag.AlignLeft
    assert value is getattr(importlib.import_module(module), attribute)


def test_unknown_names_are_refused() -> None:
    with pytest.raises(AttributeError):
        qt.QWebEngineView  # noqa: B018  (not listed, so not offered)
    with pytest.raises(ImportError):
        exec("from desktopcrm.qt import QLabell", {})


def test_the_window_paints_before_the_qt_namespace_is_built(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """PySide6 builds all ~90 enums of ``Qt`` on its first use (~30 ms): the shell's first
    paint must not need it (see ``qt.LazyNamespace``). Run in a process of its own, since
    this one has built it long ago."""
    import os
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from PySide6 import QtCore\n"
        "import desktopcrm.views.application as application\n"
        "painted = application.Startup._shell_painted\n"
        "def check(self, *args):\n"
        "    print('Qt built before the first paint:', 'Qt' in vars(QtCore))\n"
        "    return painted(self, *args)\n"
        "application.Startup._shell_painted = check\n"
        "from desktopcrm.app import main\n"
        f"main(['--database', {str(tmp_path / 'probe.sqlite')!r}, '--quit-after-startup'])\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120
    )
    assert "Qt built before the first paint: False" in done.stdout, done.stdout + done.stderr
