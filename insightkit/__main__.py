import sys

from insightkit.cli import main

sys.exit(main())
