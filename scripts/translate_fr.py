"""Maintainers: refresh the catalogues, fill French from a JSON dict (argv[1]); see translate.py."""

import subprocess
import sys

subprocess.run([sys.executable, "scripts/translate.py", "fr", *sys.argv[1:2]], check=True)
