"""Exports of an assessment: JSON and Markdown, with the evidence, sources and the not-advice notice."""

from __future__ import annotations

import json

from analytics.dd.assessment import _fmt
from analytics.dd.checklist import checklist, questions


def to_json(assessment: dict) -> str:
    return json.dumps(assessment, indent=2, default=str)


def to_markdown(assessment: dict) -> str:
    lines = [f"# Due diligence: {assessment['project']} ({assessment.get('token') or 'no token'})", ""]
    if assessment.get("version"):
        lines.append(f"Version {assessment['version']} by {assessment['author']}, {assessment['created_at']}")
        lines.append("")
    lines += [f"> {assessment['notice']}", "", f"**Overall score: {_fmt(assessment['scores']['overall'])} / 100**", ""]
    if assessment["red_flags"]:
        lines += ["## Red flags", "", *[f"- {flag}" for flag in assessment["red_flags"]], ""]
    qs = questions()
    for step in checklist():
        s = assessment["scores"]["steps"][step.id]
        lines += [
            f"## {step.title}: {_fmt(s['score'])} / 100 ({s['coverage']:.0%} answered)",
            "",
            "| question | answer | weight | from | note |",
            "|---|---|---|---|---|",
        ]
        for q in step.questions:
            a = assessment["answers"][q.id]
            lines.append(
                f"| {qs[q.id].text} | {a['answer']} | {a['weight']:g} | {a['origin']} | "
                f"{(a.get('note') or '').replace('|', '/')} |"
            )
        lines.append("")
    lines += ["## Evidence from the data", "", "| evidence | value | source | as of | note |", "|---|---|---|---|---|"]
    for e in assessment["evidence"].values():
        lines.append(
            f"| {e['key']} | {e['display']} | {e['source'].replace('|', '/')} | {e['as_of'] or ''} | "
            f"{e.get('note') or ''} |"
        )
    lines += ["", f"_{assessment['notice']}_", ""]
    return "\n".join(lines)
