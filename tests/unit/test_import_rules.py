"""The import rules between the areas ([tool.importlinter] in pyproject.toml): areas in layers,
so no cycles between them, and no area importing another area's private (_) modules."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_areas_keep_the_import_contracts(capsys):
    kept = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True) == 0
    assert kept, capsys.readouterr().out
