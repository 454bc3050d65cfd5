import sys
from pathlib import Path

# Lets the report tests share svg_helpers.py without making tests/ a package.
sys.path.insert(0, str(Path(__file__).parent))
