"""The form state of an assessment being edited: the values shown per question, where they started from (a
saved version or the pre-filled defaults), and the analyst answers they amount to. Pure functions, so the
page, the CLI and tests agree on what "unsaved changes" and "continue from version N" mean."""

from __future__ import annotations

from analytics.dd.assessment import assess, history, load
from analytics.dd.checklist import questions
from analytics.store import Store


def form_values(assessment: dict) -> dict[str, dict]:
    """Per question: the answer, weight and note an assessment (live or saved) shows in the form."""
    return {
        qid: {
            "answer": a["answer"],
            "weight": float(a["weight"]),
            "note": a.get("note") or "",
        }
        for qid, a in assessment["answers"].items()
        if qid in questions()
    }


def analyst_answers(values: dict[str, dict], defaults: dict) -> dict[str, dict]:
    """The answers that differ from the project's defaults (those become the analyst's own answers)."""
    base = form_values(defaults)
    return {qid: dict(v) for qid, v in values.items() if qid in base and v != base[qid]}


def start_draft(store: Store, project_id: str, version: int | None = None) -> dict:
    """A draft for a project: the given saved version, else its latest saved version, else the defaults."""
    if version is None and not history(store, project_id).empty:
        version = int(history(store, project_id)["version"].max())
    if version is None:
        defaults = assess(store, project_id)
        return {"version": None, "label": "the pre-filled defaults", "base": form_values(defaults)}
    saved = load(store, project_id, version)
    return {
        "version": version,
        "label": f"version {version} (saved by {saved['author']}, {saved['created_at'][:16].replace('T', ' ')})",
        "base": form_values(saved),
    }


def unsaved(draft: dict, values: dict[str, dict]) -> list[str]:
    """Question ids whose shown values differ from what the draft started from."""
    return [qid for qid, v in values.items() if draft["base"].get(qid) != v]
