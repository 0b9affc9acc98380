"""Entry point of `python -m app.rules`."""
import sys

from .cli import main

sys.exit(main())
