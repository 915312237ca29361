"""The public API is what `kg.__all__` names: every name in it works, and nothing public is left out of it."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import kg

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", kg.__all__)
def test_every_exported_name_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from kg import {name}", namespace)
    assert namespace[name] is getattr(kg, name)


@pytest.mark.parametrize("name", sorted(set(kg.__all__) - {"__version__"}))
def test_every_exported_name_is_the_object_its_module_defines(name: str) -> None:
    value = getattr(kg, name)
    module = importlib.import_module(value.__module__)
    assert getattr(module, name) is value


def test_all_public_members_are_exported() -> None:
    for name in kg.__all__:  # resolve the lazy names, so that they are in the module's namespace
        getattr(kg, name)
    public = {
        name
        for name, value in vars(kg).items()
        # Submodules become attributes of the package once imported; they are not the API.
        if not name.startswith("_") and not is_submodule(value)
    }
    assert public == set(kg.__all__) - {"__version__"}


def test_all_is_sorted_and_has_no_repeats() -> None:
    assert kg.__all__ == sorted(set(kg.__all__))


def test_dir_lists_the_lazy_names() -> None:
    assert set(kg.__all__) <= set(dir(kg))


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        kg.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_import_kg_does_not_import_the_heavy_modules() -> None:
    code = "import sys, kg; print(sorted(m for m in ('spacy', 'rdflib', 'pyshacl') if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_no_submodule_shares_a_name_with_the_api() -> None:
    # Importing kg.NAME sets the attribute NAME of the package to the module, hiding a function of that name.
    submodules = {module.name for module in pkgutil.iter_modules(kg.__path__)}
    assert submodules.isdisjoint(kg.__all__)


def is_submodule(value: object) -> bool:
    return isinstance(value, types.ModuleType) and value.__name__.startswith("kg.")
