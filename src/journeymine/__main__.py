"""``python -m journeymine``: the ``journeymine`` command."""

from __future__ import annotations

import sys

from journeymine.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
