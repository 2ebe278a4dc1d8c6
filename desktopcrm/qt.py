"""The one module that imports Qt: everyone else does ``from desktopcrm.qt import ...``.

Names are resolved when first asked for (PEP 562 ``__getattr__``), not all at import: shiboken
builds a class's Python type on first access, which is not free (the ``Qt`` namespace with its
~90 enums takes ~50 ms, ``QStyle`` ~15 ms), and the window's first paint should not pay for
names that only later screens use. Every name is still listed explicitly: imported under
``TYPE_CHECKING`` for mypy and IDEs (which do not see ``__getattr__``, so a misspelt name is
still an error), and in ``__all__``. At run time a name of ``__all__`` is looked up in QtCore,
QtGui, QtWidgets and QtSvg in that order; tests/gui/test_qt.py checks that this finds the very
object the listed import names. ``Qt`` itself is a ``LazyNamespace``: importing it costs
nothing, reading a member builds the namespace, and the code that runs before the window's
first paint reads none (tested). Never star-import PySide6 modules.
QtNetwork, QtCharts and friends are deliberately absent; import them where they are used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6 import __version__ as PYSIDE_VERSION
    from PySide6.QtCore import (
        QAbstractItemModel,
        QAbstractListModel,
        QAbstractTableModel,
        QByteArray,
        QCoreApplication,
        QDate,
        QDateTime,
        QEvent,
        QItemSelection,
        QItemSelectionModel,
        QModelIndex,
        QObject,
        QPersistentModelIndex,
        QPoint,
        QPointF,
        QRect,
        QRectF,
        QRunnable,
        QSettings,
        QSize,
        QSortFilterProxyModel,
        QStringListModel,
        Qt,
        QThread,
        QThreadPool,
        QTime,
        QTimer,
        QTimeZone,
        QtMsgType,
        QUrl,
        Signal,
        Slot,
        qInstallMessageHandler,
        qVersion,
    )
    from PySide6.QtGui import (
        QAction,
        QBrush,
        QCloseEvent,
        QColor,
        QDesktopServices,
        QDragEnterEvent,
        QDropEvent,
        QFont,
        QFontMetrics,
        QGuiApplication,
        QIcon,
        QIconEngine,
        QImage,
        QKeyEvent,
        QKeySequence,
        QMouseEvent,
        QPainter,
        QPainterPath,
        QPaintEvent,
        QPalette,
        QPen,
        QPixmap,
        QResizeEvent,
        QShortcut,
        QShowEvent,
        QStandardItem,
        QStandardItemModel,
        QTextCharFormat,
        QTextCursor,
        QTextListFormat,
        QWheelEvent,
    )
    from PySide6.QtSvg import QSvgRenderer
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QApplication,
        QButtonGroup,
        QCheckBox,
        QColorDialog,
        QComboBox,
        QCompleter,
        QDateEdit,
        QDateTimeEdit,
        QDialog,
        QDialogButtonBox,
        QFileDialog,
        QFormLayout,
        QFrame,
        QGridLayout,
        QHBoxLayout,
        QHeaderView,
        QLabel,
        QLineEdit,
        QListView,
        QListWidget,
        QListWidgetItem,
        QMainWindow,
        QMenu,
        QMessageBox,
        QPlainTextEdit,
        QProgressBar,
        QPushButton,
        QRadioButton,
        QScrollArea,
        QSizePolicy,
        QSpinBox,
        QStackedWidget,
        QStatusBar,
        QStyle,
        QStyledItemDelegate,
        QStyleFactory,
        QStyleOptionViewItem,
        QSystemTrayIcon,
        QTabBar,
        QTableView,
        QTabWidget,
        QTextBrowser,
        QTextEdit,
        QTimeEdit,
        QToolButton,
        QTreeWidget,
        QTreeWidgetItem,
        QVBoxLayout,
        QWidget,
    )
    from shiboken6 import isValid as is_alive

__all__ = [
    "PYSIDE_VERSION",
    "QAbstractItemModel",
    "QAbstractItemView",
    "QAbstractListModel",
    "QAbstractTableModel",
    "QAction",
    "QApplication",
    "QBrush",
    "QButtonGroup",
    "QByteArray",
    "QCheckBox",
    "QCloseEvent",
    "QColor",
    "QColorDialog",
    "QComboBox",
    "QCompleter",
    "QCoreApplication",
    "QDate",
    "QDateEdit",
    "QDateTime",
    "QDateTimeEdit",
    "QDesktopServices",
    "QDialog",
    "QDialogButtonBox",
    "QDragEnterEvent",
    "QDropEvent",
    "QEvent",
    "QFileDialog",
    "QFont",
    "QFontMetrics",
    "QFormLayout",
    "QFrame",
    "QGridLayout",
    "QGuiApplication",
    "QHBoxLayout",
    "QHeaderView",
    "QIcon",
    "QIconEngine",
    "QImage",
    "QItemSelection",
    "QItemSelectionModel",
    "QKeyEvent",
    "QKeySequence",
    "QLabel",
    "QLineEdit",
    "QListView",
    "QListWidget",
    "QListWidgetItem",
    "QMainWindow",
    "QMenu",
    "QMessageBox",
    "QModelIndex",
    "QMouseEvent",
    "QObject",
    "QPaintEvent",
    "QPainter",
    "QPainterPath",
    "QPalette",
    "QPen",
    "QPersistentModelIndex",
    "QPixmap",
    "QPlainTextEdit",
    "QPoint",
    "QPointF",
    "QProgressBar",
    "QPushButton",
    "QRadioButton",
    "QRect",
    "QRectF",
    "QResizeEvent",
    "QRunnable",
    "QScrollArea",
    "QSettings",
    "QShortcut",
    "QShowEvent",
    "QSize",
    "QSizePolicy",
    "QSortFilterProxyModel",
    "QSpinBox",
    "QStackedWidget",
    "QStandardItem",
    "QStandardItemModel",
    "QStatusBar",
    "QStringListModel",
    "QStyle",
    "QStyleFactory",
    "QStyleOptionViewItem",
    "QStyledItemDelegate",
    "QSvgRenderer",
    "QSystemTrayIcon",
    "QTabBar",
    "QTabWidget",
    "QTableView",
    "QTextBrowser",
    "QTextCharFormat",
    "QTextCursor",
    "QTextEdit",
    "QTextListFormat",
    "QThread",
    "QThreadPool",
    "QTime",
    "QTimeEdit",
    "QTimeZone",
    "QTimer",
    "QToolButton",
    "QTreeWidget",
    "QTreeWidgetItem",
    "QUrl",
    "QVBoxLayout",
    "QWheelEvent",
    "QWidget",
    "Qt",
    "QtMsgType",
    "Signal",
    "Slot",
    "is_alive",
    "qInstallMessageHandler",
    "qVersion",
]

#: Where names of ``__all__`` are looked up, in order.
QT_MODULES = ("PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets", "PySide6.QtSvg")
_RENAMED = {"PYSIDE_VERSION": ("PySide6", "__version__"), "is_alive": ("shiboken6", "isValid")}


class LazyNamespace:
    """``Qt`` until one of its members is used: PySide6 builds every enum of the ``Qt``
    namespace the first time the namespace itself is touched (93 Python enum classes, ``Key``
    alone with 471 members: ~30 ms here), so modules can import ``Qt`` at the top and the
    window's first paint pays for it only if the code that paints reads a member. Members are
    cached on the instance after their first read. ``resolve()`` is the namespace itself."""

    def __init__(self, module: str, name: str) -> None:
        self._where = (module, name)

    def resolve(self) -> Any:
        module, name = self._where
        return getattr(importlib.import_module(module), name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        value = getattr(self.resolve(), name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"<lazy {'.'.join(self._where)}>"


if not TYPE_CHECKING:
    Qt = LazyNamespace("PySide6.QtCore", "Qt")

    def __getattr__(name: str) -> Any:
        if name not in __all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        if name in _RENAMED:
            module_name, attribute = _RENAMED[name]
            value = getattr(importlib.import_module(module_name), attribute)
        else:
            for module_name in QT_MODULES:
                module = importlib.import_module(module_name)
                if hasattr(module, name):
                    value = getattr(module, name)
                    break
            else:
                raise AttributeError(f"{name} is in none of {', '.join(QT_MODULES)}")
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
