"""The typed shell: `tsi/_core.pyi` declares exactly the functions the native module exports, with their
parameter names."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from tsi import _core

STUB = Path(__file__).resolve().parents[2] / "tsi" / "_core.pyi"


def _stub_functions() -> dict[str, list[str]]:
    tree = ast.parse(STUB.read_text())
    return {n.name: [a.arg for a in n.args.args] for n in tree.body if isinstance(n, ast.FunctionDef)}


def test_every_native_function_has_a_stub_and_vice_versa():
    native = {n for n, f in vars(_core).items() if callable(f) and not n.startswith("_")}
    assert native == set(_stub_functions())


def test_stub_parameter_names_match_the_native_signatures():
    for name, params in _stub_functions().items():
        sig = inspect.signature(getattr(_core, name))
        assert list(sig.parameters) == params, name
