"""The investor due-diligence checklist: the market overview's four steps, evidence from the data with its
source and date, the analyst's answers, scores, red flags, versioned assessments and exports."""

from analytics.dd.assessment import assess, compare, history, load, merge_answers, red_flags, save, score
from analytics.dd.checklist import (
    ANSWER_SCORES,
    NOT_ADVICE,
    DDInputError,
    Evidence,
    Project,
    Question,
    Step,
    add_project,
    checklist,
    projects,
    questions,
)
from analytics.dd.evidence import gather_evidence
from analytics.dd.export import to_json, to_markdown

__all__ = [
    "ANSWER_SCORES",
    "NOT_ADVICE",
    "DDInputError",
    "Evidence",
    "Project",
    "Question",
    "Step",
    "add_project",
    "assess",
    "checklist",
    "compare",
    "gather_evidence",
    "history",
    "load",
    "merge_answers",
    "projects",
    "questions",
    "red_flags",
    "save",
    "score",
    "to_json",
    "to_markdown",
]
