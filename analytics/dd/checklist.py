"""The checklist (data/dd_checklist.toml), its data types, and the projects that can be assessed."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import pandas as pd

from analytics.paths import bundled_data_dir
from analytics.store import Store
from analytics.store.writes import upsert

ANSWER_SCORES = {"yes": 1.0, "partial": 0.5, "no": 0.0, "unknown": None}


NOT_ADVICE = (
    "This assessment is research material, not financial advice. Tokens are volatile and can lose most of "
    "their value; do your own due diligence."
)


SCORING_METHOD = (
    "Each answer scores yes = 1, partial = 0.5, no = 0; an unanswered question counts as 0. A step's score is "
    "the weighted mean of its questions, times 100. The overall score pools every question with its weight from "
    "data/dd_checklist.toml (equivalently, each step counts in proportion to the sum of its question weights), "
    "so a heavy question such as 'emissions covered by demand' counts the same wherever it sits, and a step "
    "with many questions does not count less per question than a step with few. Scores are rounded to one "
    "decimal."
)


def fmt_score(value: float | None) -> str:
    """A score for display: one decimal, 'n/a' when there is none."""
    return "n/a" if value is None or value != value else f"{value:.1f}"


class DDInputError(ValueError):
    pass


@dataclass(frozen=True)
class Question:
    id: str
    step_id: str
    text: str
    weight: float
    evidence: str | None = None
    good: float | None = None
    partial: float | None = None


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    questions: tuple[Question, ...]


@dataclass
class Evidence:
    key: str
    value: Any
    display: str
    source: str
    as_of: str | None
    suggested_score: float | None = None
    note: str = ""


# What each piece of evidence is called where a person reads it (page, red flags, CLI).
EVIDENCE_LABELS = {
    "offer_count": "Offers in the data",
    "consumer_gpu_offers": "Consumer-GPU offers",
    "network_discount": "Discount against centralized clouds",
    "provider_concentration": "Independent providers per GPU model",
    "burn_share": "Share of revenue burned",
    "fdv_to_market_cap": "FDV / market cap",
    "annual_dilution": "Annual supply dilution",
    "issuance_coverage": "Demand covering emissions",
    "volatility_90d": "90-day volatility",
    "max_drawdown": "Worst drawdown",
    "data_freshness": "Age of the oldest evidence",
}


def evidence_label(key: str) -> str:
    return EVIDENCE_LABELS.get(key, key.replace("_", " ").capitalize())


@dataclass
class Project:
    project_id: str
    name: str
    token: str | None
    provider: str | None
    tokenomics: str | None = None
    prefill: dict[str, dict] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _config() -> dict:
    return tomllib.loads((bundled_data_dir() / "dd_checklist.toml").read_text(encoding="utf-8"))


def checklist() -> list[Step]:
    steps = []
    for step in _config()["steps"]:
        questions = tuple(
            Question(
                q["id"], step["id"], q["text"], float(q["weight"]), q.get("evidence"), q.get("good"), q.get("partial")
            )
            for q in step["questions"]
        )
        steps.append(Step(step["id"], step["title"], questions))
    return steps


def questions() -> dict[str, Question]:
    return {q.id: q for step in checklist() for q in step.questions}


def projects(store: Store) -> dict[str, Project]:
    result = {
        pid: Project(pid, p["name"], p.get("token"), p.get("provider"), p.get("tokenomics"), dict(p.get("prefill", {})))
        for pid, p in _config()["projects"].items()
    }
    if store.exists():
        for pid, name, token, provider in store.query_rows("SELECT project_id, name, token, provider FROM dd_projects"):
            result.setdefault(pid, Project(pid, name, token or None, provider or None))
    return result


def add_project(store: Store, name: str, token: str | None = None, provider: str | None = None) -> str:
    clean = name.strip()
    if not clean:
        raise DDInputError("a project needs a name")
    check_lengths(name=clean, token=token, provider=provider)
    project_id = "".join(ch for ch in clean.lower() if ch.isalnum()) or None
    if project_id is None:
        raise DDInputError(f"cannot make an id from {name!r}: use letters or digits")
    if project_id in projects(store):
        raise DDInputError(f"project {project_id!r} exists already")
    row = {
        "project_id": project_id,
        "name": clean,
        "token": (token or "").strip().upper() or None,
        "provider": (provider or "").strip().lower() or None,
        "created_at": _now(),
    }
    with store.writer() as conn:
        upsert(conn, "dd_projects", pd.DataFrame([row]))
    return project_id


# Bounds on text a person types: it is stored and shown to every other viewer.
MAX_TEXT_CHARS = {"name": 80, "token": 16, "provider": 64, "author": 80, "note": 2000}


def check_lengths(**fields: str | None) -> None:
    for field_name, value in fields.items():
        limit = MAX_TEXT_CHARS[field_name]
        if value is not None and len(value) > limit:
            raise DDInputError(f"{field_name}: at most {limit} characters, got {len(value):,}")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
