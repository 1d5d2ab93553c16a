"""`python -m tutor.serve`: the same as `python -m tutor serve`."""

import sys

from tutor.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
