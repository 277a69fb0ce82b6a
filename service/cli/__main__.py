"""``python -m service.cli``: the ``journeymine`` command, for a checkout without the console script."""

import sys

from service.cli.main import main

sys.exit(main())
