"""``python -m pipelines`` is the ``hub`` command."""

import sys

from pipelines.cli import main

sys.exit(main())
