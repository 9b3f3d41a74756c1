"""Extensions found through the `casework.extensions` entry point (the event pipeline is
one). Each may define install(app), serve(app) and cli(group)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from types import ModuleType


@cache
def loaded() -> tuple[ModuleType, ...]:
    return tuple(ep.load() for ep in entry_points(group="casework.extensions"))


def call(hook: str, *args) -> None:
    for ext in loaded():
        fn = getattr(ext, hook, None)
        if fn is not None:
            fn(*args)
