"""Budgets for the property-based parts of the suites: ``quick`` for every run, ``deep`` nightly."""

from __future__ import annotations

import os
from dataclasses import dataclass

ENV_VAR = "FOUNDATION_CONTRACT_PROFILE"


@dataclass(frozen=True)
class Profile:
    """How hard Hypothesis and schemathesis try."""

    name: str
    max_examples: int
    """Hypothesis examples per property, and schemathesis cases per operation."""
    stateful_steps: int
    """Steps per run of a state machine."""
    stateful_examples: int
    """Runs (sequences of steps) per state machine."""
    api_stateful_steps: int
    """Steps per scenario of the API's stateful run: a use after delete needs a chain of
    create, delete and a later request on the same item, which short scenarios rarely reach."""
    negative_examples: int | None = None
    """Schemathesis cases per operation in negative mode (default ``max_examples``). Each
    mutates one part of a request; the API's refusal of them is uniform (one validation
    layer), so the quick profile sends fewer of them than positive ones."""
    seeded: bool = True
    """Whether the fuzzing test pins its seeds (the same verdict on every run of the same
    code); the deep profile explores at random instead."""


PROFILES = {
    "quick": Profile(
        "quick",
        max_examples=25,
        stateful_steps=12,
        stateful_examples=8,
        api_stateful_steps=30,
        negative_examples=12,
    ),
    "deep": Profile(
        "deep",
        max_examples=300,
        stateful_steps=50,
        stateful_examples=100,
        api_stateful_steps=100,
        seeded=False,
    ),
}


def select_profile(option: str | None) -> Profile:
    """The profile named by ``--contract-profile``, else the environment, else ``quick``."""
    name = option or os.environ.get(ENV_VAR) or "quick"
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown contract profile {name!r}: use {' or '.join(PROFILES)}"
        ) from None
