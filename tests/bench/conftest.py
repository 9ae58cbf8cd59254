"""tests/ is on pytest's path, so this folder would shadow the repository's bench/
package: put the repository root first."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.modules.pop("bench", None)
