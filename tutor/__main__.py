"""`python -m tutor`: the command line lives in tutor.cli; nothing runs on import."""

import sys

from tutor import _start_time  # noqa: F401  first: start-up is measured from here
from tutor.cli import main

if __name__ == "__main__":
    sys.exit(main())
