"""`python -m keraslint ...` is the `keraslint` command (nbQA and pre-commit's `language: system` use it)."""

import sys

from keraslint.cli import main

if __name__ == "__main__":
    sys.exit(main())
