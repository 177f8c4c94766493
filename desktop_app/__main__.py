"""python -m desktop_app: start the GUI."""

import sys

if __name__ == "__main__":
    from desktop_app.ui.splash import early_splash

    early_splash(sys.argv)  # something on screen before the heavy imports of the program
    from desktop_app.ui.app import main

    sys.exit(main())
