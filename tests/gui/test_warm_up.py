"""The idle warm-up imports the screens' modules one at a time after the window is attached."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from desktopcrm.views.main_window import MainWindow
from desktopcrm.views.warm_up import WarmUp


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("warm_one", "warm_two", "warm_three"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    (tmp_path / "warm_one.py").write_text("VALUE = 1\n")
    (tmp_path / "warm_two.py").write_text("raise RuntimeError('broken screen')\n")
    (tmp_path / "warm_three.py").write_text("VALUE = 3\n")
    return tmp_path


def test_imports_one_module_per_tick_and_stops_at_a_broken_one(qtbot, modules, caplog) -> None:
    warm = WarmUp(["warm_one", "warm_one", "warm_two", "warm_three"])
    assert warm.pending == ["warm_one", "warm_two", "warm_three"]
    warm.start(delay_ms=0)
    assert "warm_one" not in sys.modules  # nothing until the event loop runs
    qtbot.waitUntil(lambda: not warm.pending, timeout=3000)
    assert "warm_one" in sys.modules
    assert "warm_three" not in sys.modules  # stopped: the screen reports the error itself
    assert "could not import warm_two" in caplog.text


def test_the_window_warms_up_every_screen_and_the_record_page(qtbot, window: MainWindow) -> None:
    assert window.warm_up is not None
    qtbot.waitUntil(lambda: not window.warm_up.pending, timeout=5000)
    for spec in window.screens:
        assert spec.widget.partition(":")[0] in sys.modules
    assert "desktopcrm.views.record.page" in sys.modules
