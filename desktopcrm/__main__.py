import sys

from desktopcrm.app import main

sys.exit(main())
