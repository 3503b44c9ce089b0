"""Demo data for `make run`: a few people and leads so every screen has content."""
from __future__ import annotations


def load_demo(stack) -> None:  # noqa: ANN001 - devstack.Stack
    return None
