"""python -m desktop_app: start the GUI."""

import sys

from desktop_app.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
