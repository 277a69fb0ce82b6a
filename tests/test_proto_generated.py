"""The generated gRPC code must match the .proto files: regenerate with `make proto`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("proto_generate", ROOT / "proto" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_code_is_fresh() -> None:
    stale = _generator().stale_files()
    assert stale == [], f"stale generated code {stale}: run `make proto` and commit the result"


def test_every_proto_has_generated_modules() -> None:
    package = ROOT / "proto" / "journeymine" / "v1"
    for proto in package.glob("*.proto"):
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"):
            assert (package / f"{proto.stem}{suffix}").is_file(), f"{proto.name}: missing {suffix}"
