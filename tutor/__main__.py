"""`python -m tutor`: the command line lives in tutor.cli; nothing runs on import."""

import sys

from tutor.cli import main

if __name__ == "__main__":
    sys.exit(main())
