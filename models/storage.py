"""Artifact files: a safetensors file of arrays beside a JSON file of everything else (never pickle)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from safetensors.numpy import load_file, save_file

from models.errors import ModelNotLoadedError


def write_artifact(
    directory: Path, weights_file: str, tensors: dict[str, np.ndarray], meta_file: str, meta: Any
) -> None:
    """Write ``tensors`` and ``meta`` (sorted, indented JSON, so diffs of retrained artifacts read well)."""
    directory.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(directory / weights_file))
    (directory / meta_file).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def read_artifact(directory: Path, weights_file: str, meta_file: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read both files; a missing or corrupt one raises ModelNotLoadedError naming that file."""
    weights_path, meta_path = directory / weights_file, directory / meta_file
    for path in (weights_path, meta_path):
        if not path.is_file():
            raise ModelNotLoadedError(f"model artifact missing: {path}")
    try:
        meta = json.loads(meta_path.read_text())
    except Exception as exc:
        raise ModelNotLoadedError(f"model artifact unreadable: {meta_path}: {exc}") from exc
    try:
        tensors = load_file(str(weights_path))
    except Exception as exc:
        raise ModelNotLoadedError(f"model artifact unreadable: {weights_path}: {exc!r}") from exc
    return meta, tensors
