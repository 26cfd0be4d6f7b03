"""``import gammaal`` stays torch-free: the torch parts live in gammaal.al, imported only on request."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_gammaal_does_not_import_torch():
    code = ("import sys, gammaal; gammaal.prob_within(0.1, 4.0, 0.066); "
            "bad = sorted(m for m in sys.modules if m == 'torch' or m.startswith(('torch.', 'gammaal.al')));"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
