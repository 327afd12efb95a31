"""Answers, scores, red flags, and versioned assessments stored in DuckDB (never overwritten)."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date

import pandas as pd

from analytics.dd.checklist import (
    ANSWER_SCORES,
    NOT_ADVICE,
    SCORING_METHOD,
    DDInputError,
    Evidence,
    Project,
    _now,
    check_lengths,
    checklist,
    evidence_label,
    fmt_score,
    projects,
    questions,
)
from analytics.dd.evidence import gather_evidence
from analytics.store import Store
from analytics.store.writes import upsert


def merge_answers(project: Project, evidence: dict[str, Evidence], analyst: dict[str, dict] | None) -> dict[str, dict]:
    """Per question: the analyst's answer, else the project's prefill, else the data's suggestion."""
    analyst = analyst or {}
    unknown = sorted(set(analyst) - set(questions()))
    if unknown:
        raise DDInputError(f"unknown question id(s) {', '.join(unknown)}; known: {', '.join(questions())}")
    merged = {}
    for qid, question in questions().items():
        given = analyst.get(qid, {})
        if given and given.get("answer") not in (*ANSWER_SCORES, None):
            raise DDInputError(f"{qid}: answer must be one of {', '.join(ANSWER_SCORES)}, got {given['answer']!r}")
        weight = given.get("weight", question.weight)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 1000:  # NaN too
            raise DDInputError(f"{qid}: weight must be a number >= 0, got {weight!r}")
        prefill = project.prefill.get(qid, {})
        suggested = evidence[question.evidence].suggested_score if question.evidence in evidence else None
        if given.get("answer"):
            answer, origin, score = given["answer"], "analyst", ANSWER_SCORES[given["answer"]]
        elif prefill:
            answer, origin, score = (
                prefill["answer"],
                f"pre-filled ({prefill.get('source', '')})",
                ANSWER_SCORES[prefill["answer"]],
            )
        elif suggested is not None:
            answer = {1.0: "yes", 0.5: "partial", 0.0: "no"}[suggested]
            origin, score = "from the data", suggested
        else:
            answer, origin, score = "unknown", "no answer, no evidence", None
        merged[qid] = {
            "answer": answer,
            "score": score,
            "weight": float(weight),
            "origin": origin,
            "note": given.get("note") or prefill.get("note", ""),
            "evidence": question.evidence,
        }
    return merged


def score(answers: dict[str, dict]) -> dict:
    """Scores in 0-100, rounded to one decimal (see SCORING_METHOD). Per step: weighted mean of its answers,
    where an unanswered question counts as 0 (a claim without evidence earns nothing), plus the share of the
    weight that is answered. Overall: every question pooled with its weight."""
    steps = {}
    pooled_score = pooled_weight = 0.0
    for step in checklist():
        total = sum(answers[q.id]["weight"] for q in step.questions)
        answered = [answers[q.id] for q in step.questions if answers[q.id]["score"] is not None]
        weight = sum(a["weight"] for a in answered)
        earned = sum(a["score"] * a["weight"] for a in answered)
        pooled_score, pooled_weight = pooled_score + earned, pooled_weight + total
        steps[step.id] = {
            "title": step.title,
            "score": round(earned / total * 100, 1) if total else None,
            "coverage": weight / total if total else 0.0,
            "weight": total,
        }
    overall = round(pooled_score / pooled_weight * 100, 1) if pooled_weight else None
    return {"steps": steps, "overall": overall, "method": SCORING_METHOD}


def red_flags(evidence: dict[str, Evidence], scores: dict) -> list[str]:
    flags = []
    dilution, coverage = evidence["annual_dilution"].value, evidence["issuance_coverage"].value
    if coverage is not None and coverage < 1:
        flags.append(f"Emissions outpace demand: users burn or pay {coverage:.2f}x the value emitted")
    elif dilution is not None and dilution > 0.05 and coverage is None:
        flags.append(f"Supply grows {dilution:.1%} a year and nothing shows demand covering it")
    ratio = evidence["fdv_to_market_cap"].value
    if ratio is not None and ratio > 2:
        flags.append(f"FDV is {ratio:.1f}x the market cap: much supply still to come")
    drawdown = evidence["max_drawdown"].value
    if drawdown is not None and drawdown < -0.8:
        flags.append(f"Maximum drawdown {drawdown:.0%}")
    age = evidence["data_freshness"].value
    if age is not None and age > 30:
        flags.append(f"Stale evidence: the oldest data used is {age} days old")
    missing = [evidence_label(e.key) for e in evidence.values() if e.value is None]
    if missing:
        flags.append(f"Missing evidence: {', '.join(missing)}")
    for step in scores["steps"].values():
        if step["coverage"] < 0.5:
            flags.append(f"Under half of '{step['title']}' is answered")
    return flags


def assess(store: Store, project_id: str, analyst: dict[str, dict] | None = None, today: date | None = None) -> dict:
    all_projects = projects(store)
    if project_id not in all_projects:
        raise DDInputError(f"unknown project {project_id!r}; known: {', '.join(all_projects)} (add one first)")
    project = all_projects[project_id]
    evidence = gather_evidence(store, project, today)
    answers = merge_answers(project, evidence, analyst)
    scores = score(answers)
    return {
        "project_id": project_id,
        "project": project.name,
        "token": project.token,
        "answers": answers,
        "evidence": {k: asdict(v) for k, v in evidence.items()},
        "scores": scores,
        "red_flags": red_flags(evidence, scores),
        "notice": NOT_ADVICE,
    }


def save(store: Store, assessment: dict, author: str) -> int:
    """Store a new version (never overwrites); returns its number."""
    if not author or not author.strip():
        raise DDInputError("an assessment needs an author")
    notes = [str(a.get("note") or "") for a in assessment["answers"].values()]
    check_lengths(author=author.strip(), note=max(notes, key=len, default=""))
    store.migrate()
    with store.writer() as conn:
        current = conn.execute(
            "SELECT coalesce(max(version), 0) FROM dd_assessments WHERE project_id = ?", [assessment["project_id"]]
        ).fetchall()[0][0]
        row = {
            "project_id": assessment["project_id"],
            "version": int(current) + 1,
            "author": author.strip(),
            "created_at": _now(),
            "answers": json.dumps(assessment["answers"]),
            "evidence": json.dumps(assessment["evidence"], default=str),
            "scores": json.dumps(assessment["scores"]),
            "red_flags": json.dumps(assessment["red_flags"]),
        }
        upsert(conn, "dd_assessments", pd.DataFrame([row]))
    return row["version"]


def history(store: Store, project_id: str) -> pd.DataFrame:
    frame = store.query_df(
        "SELECT version, author, created_at, scores FROM dd_assessments WHERE project_id = ? ORDER BY version",
        [project_id],
    )
    if frame.empty:
        return frame
    frame["overall"] = frame["scores"].map(lambda s: json.loads(s)["overall"])
    return frame.drop(columns="scores")


def load(store: Store, project_id: str, version: int | None = None) -> dict:
    rows = store.query_rows(
        "SELECT version, author, created_at, answers, evidence, scores, red_flags FROM dd_assessments "
        "WHERE project_id = ? AND (? IS NULL OR version = ?) ORDER BY version DESC LIMIT 1",
        [project_id, version, version],
    )
    if not rows:
        raise DDInputError(f"no saved assessment {version or ''} for {project_id!r}".replace("  ", " "))
    v, author, created, answers, evidence, scores, flags = rows[0]
    project = projects(store)[project_id]
    return {
        "project_id": project_id,
        "project": project.name,
        "token": project.token,
        "version": v,
        "author": author,
        "created_at": created.isoformat(),
        "answers": json.loads(answers),
        "evidence": json.loads(evidence),
        "scores": json.loads(scores),
        "red_flags": json.loads(flags),
        "notice": NOT_ADVICE,
    }


def compare(old: dict, new: dict) -> pd.DataFrame:
    """What changed between two assessments: answers, weights and scores."""
    rows = []
    for qid, q in questions().items():
        a, b = old["answers"].get(qid, {}), new["answers"].get(qid, {})
        if (a.get("answer"), a.get("weight"), a.get("note")) != (b.get("answer"), b.get("weight"), b.get("note")):
            rows.append(
                {
                    "item": qid,
                    "step": q.step_id,
                    "before": f"{a.get('answer')} (w {a.get('weight')})",
                    "after": f"{b.get('answer')} (w {b.get('weight')})",
                }
            )
    for sid in old["scores"]["steps"]:
        before, after = old["scores"]["steps"][sid]["score"], new["scores"]["steps"][sid]["score"]
        if before != after:
            rows.append({"item": f"score: {sid}", "step": sid, "before": _fmt(before), "after": _fmt(after)})
    if old["scores"]["overall"] != new["scores"]["overall"]:
        rows.append(
            {
                "item": "score: overall",
                "step": "",
                "before": _fmt(old["scores"]["overall"]),
                "after": _fmt(new["scores"]["overall"]),
            }
        )
    return pd.DataFrame(rows, columns=["item", "step", "before", "after"])


def _fmt(value) -> str:
    return fmt_score(value)
