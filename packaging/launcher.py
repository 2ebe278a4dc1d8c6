"""Entry script of the PyInstaller bundle: the same program as ``python -m desktopcrm``."""

import multiprocessing
import sys

from desktopcrm.app import main

if __name__ == "__main__":
    # A frozen Windows/macOS build re-runs this script in any child process it spawns.
    multiprocessing.freeze_support()
    sys.exit(main())
