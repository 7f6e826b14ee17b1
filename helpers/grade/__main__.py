"""``python -m helpers.grade``: see :mod:`helpers.grade`."""

import sys

from helpers.grade.cli import main

sys.exit(main())
