"""The investor due-diligence checklist: the market overview's four steps, evidence from the data with its
source and date, the analyst's answers, scores, red flags, versioned assessments and exports."""

from analytics.dd.assessment import assess, compare, history, load, merge_answers, red_flags, save, score
from analytics.dd.checklist import (
    ANSWER_SCORES,
    NOT_ADVICE,
    SCORING_METHOD,
    DDInputError,
    Evidence,
    Project,
    Question,
    Step,
    add_project,
    checklist,
    evidence_label,
    fmt_score,
    projects,
    questions,
)
from analytics.dd.drafts import analyst_answers, form_values, start_draft, unsaved
from analytics.dd.evidence import EvidenceContext, gather_evidence, register_evidence, suggest
from analytics.dd.export import to_json, to_markdown

__all__ = [
    "ANSWER_SCORES",
    "NOT_ADVICE",
    "SCORING_METHOD",
    "DDInputError",
    "Evidence",
    "EvidenceContext",
    "Project",
    "Question",
    "Step",
    "add_project",
    "analyst_answers",
    "assess",
    "checklist",
    "compare",
    "evidence_label",
    "fmt_score",
    "form_values",
    "gather_evidence",
    "history",
    "load",
    "merge_answers",
    "projects",
    "questions",
    "red_flags",
    "register_evidence",
    "save",
    "score",
    "start_draft",
    "suggest",
    "to_json",
    "to_markdown",
    "unsaved",
]
