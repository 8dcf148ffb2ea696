"""The import rules between the areas ([tool.importlinter] in pyproject.toml): areas in layers,
so no cycles between them, and no area importing another area's private (_) modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_areas_keep_the_import_contracts():
    # In a process of its own: import-linter reconfigures logging for the rest of the run.
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "from importlinter.cli import lint_imports_command as lint; lint(['--no-cache'])",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
