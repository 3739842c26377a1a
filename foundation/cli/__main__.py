"""``python -m foundation.cli``: the same as the ``foundation`` command."""

import sys

from foundation.cli import main

sys.exit(main())
