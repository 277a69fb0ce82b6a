"""The layers import one way, downward (../shared/CONVENTIONS.md "The house"), and every package ships.

    models      imports none of pipelines, service, eval
    pipelines   imports models only (no service, no eval, no protobuf or grpc)
    service     may import pipelines and models
    eval        drives pipelines and models from outside

Imports inside functions count too: a lazy import still ties the layers together.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("models", "pipelines", "service", "eval")
FORBIDDEN = {
    "models": {"pipelines", "service", "eval", "journeymine", "grpc"},
    "pipelines": {"service", "eval", "journeymine", "grpc"},
}


def imported_roots(path: Path) -> set[tuple[str, int]]:
    """The top-level package of every absolute import in ``path``, with its line."""
    found: set[tuple[str, int]] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update((alias.name.split(".")[0], node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add((node.module.split(".")[0], node.lineno))
    return found


def offences(layer: str, root: Path = ROOT) -> list[str]:
    """``file:line imports pkg`` for every import of ``layer`` that points up or sideways."""
    forbidden = FORBIDDEN[layer]
    return sorted(
        f"{path.relative_to(root)}:{line} imports {package}"
        for path in (root / layer).rglob("*.py")
        for package, line in imported_roots(path)
        if package in forbidden
    )


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_point_down(layer: str) -> None:
    assert offences(layer) == [], f"{layer}/ must not import {sorted(FORBIDDEN[layer])}"


def test_the_check_sees_a_violation(tmp_path: Path) -> None:
    # Guards the test above against passing vacuously (a wrong root, a parse that finds nothing).
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "bad.py").write_text("def f():\n    from pipelines.factory import build_enricher\n")
    (tmp_path / "models" / "good.py").write_text("import numpy\nfrom models.errors import NotFoundError\n")
    assert offences("models", root=tmp_path) == ["models/bad.py:2 imports pipelines"]


def test_every_package_is_listed_in_pyproject() -> None:
    # setuptools takes the explicit list: a package missing from it is left out of a non-editable install.
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for layer in LAYERS
        for init in (ROOT / layer).rglob("__init__.py")
    }
    assert on_disk - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert {name for name in listed if name.split(".")[0] in LAYERS} - on_disk == set(), "listed but not on disk"


def missing_names(root: Path = ROOT, layers: tuple[str, ...] = LAYERS) -> list[str]:
    """``file:line: from module import name`` for every import from the project's own layers whose module does
    not define that name (nor has it as a submodule). Lazy imports inside functions run only when their
    function does, so a name moved elsewhere breaks them silently until then."""
    import importlib

    missing = []
    for path in sorted(p for layer in layers for p in (root / layer).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module):
                continue
            if node.module.split(".")[0] not in LAYERS:
                continue
            module = importlib.import_module(node.module)
            for alias in node.names:
                if alias.name == "*" or hasattr(module, alias.name):
                    continue
                try:
                    importlib.import_module(f"{node.module}.{alias.name}")
                except ModuleNotFoundError:
                    missing.append(f"{path.relative_to(root)}:{node.lineno}: from {node.module} import {alias.name}")
    return missing


def test_every_import_from_the_layers_names_something_there() -> None:
    assert missing_names() == []


def test_the_name_check_sees_a_moved_name(tmp_path: Path) -> None:
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "bench.py").write_text(
        "def naive():\n    from pipelines.factory import build_enricher, no_such_builder\n"
    )
    assert missing_names(tmp_path, ("eval",)) == ["eval/bench.py:2: from pipelines.factory import no_such_builder"]
