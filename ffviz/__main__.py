"""`python -m ffviz ...`: see `ffviz.cli`."""

import sys

import ffviz  # noqa: F401  (sets KERAS_BACKEND before anything imports keras)
from ffviz.cli import main

sys.exit(main())
