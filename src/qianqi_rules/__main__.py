"""``python -m qianqi_rules`` is the same as the ``qianqi-rules`` command."""

import sys

from .cli import main

sys.exit(main())
