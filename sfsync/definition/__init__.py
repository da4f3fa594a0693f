"""
The agreed definition: YAML -> validated pydantic models -> compiled plain functions.

    definition = load_definition(Path("mappings/default.yaml"))   # raises MappingError
    compiled = compile_definition(definition)                       # once, at start-up
"""

from __future__ import annotations

from sfsync.definition.compile import CompiledDefinition, compile_definition
from sfsync.definition.loader import load_compiled, load_definition
from sfsync.definition.model import Definition

__all__ = [
    "CompiledDefinition",
    "Definition",
    "compile_definition",
    "load_compiled",
    "load_definition",
]
