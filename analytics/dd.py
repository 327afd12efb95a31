"""The investor due-diligence checklist: the market overview's four steps, evidence from the data with its
source and date, the analyst's answers, scores, red flags, versioned assessments and exports."""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import pandas as pd

from analytics import queries
from analytics.markets.tokenomics import networks, schedule_dilution, supply_basis
from analytics.paths import bundled_data_dir
from analytics.store import Store
from analytics.store.writes import upsert

ANSWER_SCORES = {"yes": 1.0, "partial": 0.5, "no": 0.0, "unknown": None}
NOT_ADVICE = (
    "This assessment is research material, not financial advice. Tokens are volatile and can lose most of "
    "their value; do your own due diligence."
)


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
    if store.path.exists():
        for pid, name, token, provider in store.query_rows("SELECT project_id, name, token, provider FROM dd_projects"):
            result.setdefault(pid, Project(pid, name, token or None, provider or None))
    return result


def add_project(store: Store, name: str, token: str | None = None, provider: str | None = None) -> str:
    clean = name.strip()
    if not clean:
        raise DDInputError("a project needs a name")
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


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _suggest(value: float | None, good: float | None, partial: float | None, higher_is_better: bool) -> float | None:
    if value is None or good is None:
        return None
    if higher_is_better:
        return 1.0 if value >= good else 0.5 if partial is not None and value >= partial else 0.0
    return 1.0 if value <= good else 0.5 if partial is not None and value <= partial else 0.0


def gather_evidence(store: Store, project: Project, today: date | None = None) -> dict[str, Evidence]:
    """Evidence the product has for a project, each with its source and date (None value: missing)."""
    from analytics.token_report import latest_market_snapshots, token_report

    today = today or _now().date()
    q = questions()
    evidence: dict[str, Evidence] = {}
    offers = queries.latest_offers(store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    mine = offers[offers["provider"] == project.provider] if project.provider else offers.iloc[0:0]
    sources = ", ".join(sorted(mine["source"].unique())) or "no offers in the data"
    as_of = mine["observed_at"].max().strftime("%Y-%m-%d") if not mine.empty else None

    count = len(mine)
    evidence["offer_count"] = Evidence(
        "offer_count",
        count,
        f"{count} offers",
        f"latest offers for provider {project.provider} ({sources})",
        as_of,
        _suggest(count, q["offers_listed"].good, q["offers_listed"].partial, True),
    )
    consumer = mine[mine["gpu_family"].fillna("").str.startswith("RTX")]
    evidence["consumer_gpu_offers"] = Evidence(
        "consumer_gpu_offers",
        len(consumer) if count else None,
        f"{len(consumer)} consumer-GPU offers ({', '.join(sorted(consumer['gpu_family'].unique())) or 'none'})"
        if count
        else "no offers to judge from",
        f"latest offers for provider {project.provider} ({sources})",
        as_of,
        1.0 if len(consumer) else None,  # absence from a sample is not evidence of exclusion
    )
    evidence["network_discount"] = _network_discount(offers, mine, sources, as_of, q["price_competitive"])
    evidence["provider_concentration"] = _providers(mine, sources, as_of)

    network = networks().get(project.tokenomics or "")
    burn = network.fact("burn_mechanism") if network else None
    evidence["burn_mechanism"] = Evidence(
        "burn_mechanism",
        burn.value if burn else None,
        burn.value if burn else "no burn mechanism on record",
        burn.source_url if burn else "data/tokenomics",
        burn.as_of if burn else None,
        1.0 if burn and burn.confidence in ("high", "medium") else None,
    )

    snapshots = latest_market_snapshots(store)
    snap = snapshots[snapshots["token"] == project.token] if project.token else snapshots.iloc[0:0]
    snap = snap.iloc[0] if not snap.empty else None
    ratio = None
    if snap is not None and pd.notna(snap["fdv_usd"]) and snap["market_cap_usd"]:
        ratio = float(snap["fdv_usd"] / snap["market_cap_usd"])
    evidence["fdv_to_market_cap"] = Evidence(
        "fdv_to_market_cap",
        ratio,
        f"{ratio:.2f}x" if ratio else "no CoinGecko snapshot",
        "CoinGecko /coins/markets" if snap is not None else "run depin refresh --only coingecko",
        str(snap["snapshot_date"]) if snap is not None else None,
        _suggest(ratio, q["valuation_overhang"].good, q["valuation_overhang"].partial, False),
    )

    dilution, dilution_note, dilution_source = None, "", "no schedule or supply history"
    if network is not None:
        circulating = (
            float(snap["circulating_supply"]) if snap is not None and pd.notna(snap["circulating_supply"]) else None
        )
        basis = supply_basis(network, today, circulating)
        if basis is not None:
            estimate = schedule_dilution(network, basis.value, today)
            dilution_source = f"emission schedule ({estimate.basis}) on {basis.label}"
            if estimate.low is not None and estimate.complete:
                dilution = estimate.high  # the conservative end of a range
                if estimate.low != estimate.high:
                    dilution_note = f"range {estimate.low:.1%}-{estimate.high:.1%}; scored on the high end"
            else:
                dilution_note = "the next 12 months are not covered by a published schedule"
    evidence["annual_dilution"] = Evidence(
        "annual_dilution",
        dilution,
        f"{dilution:.1%} a year" if dilution is not None else "unknown",
        dilution_source,
        today.isoformat(),
        _suggest(dilution, q["dilution"].good, q["dilution"].partial, False),
        dilution_note,
    )
    evidence["issuance_coverage"] = Evidence(
        "issuance_coverage",
        None,
        "unknown",
        "needs burn or fee revenue data, which no bundled source carries",
        None,
        None,
        "value burned or paid by users / value emitted",
    )

    risk = next((r for r in token_report(store) if r["token"] == project.token), None) if project.token else None
    vol = risk["volatility_90d"] if risk else None
    series = risk["series"] if risk else None
    evidence["volatility_90d"] = Evidence(
        "volatility_90d",
        vol,
        f"{vol:.0%} annualised" if vol is not None else "no candles",
        f"{series['symbol']} on {series['exchange']} ({series['instrument']})" if series else "no candles",
        risk["as_of"] if risk else None,
        _suggest(vol, q["token_risk"].good, q["token_risk"].partial, False),
        f"max drawdown {risk['max_drawdown']:.0%}" if risk and risk["max_drawdown"] is not None else "",
    )
    evidence["max_drawdown"] = Evidence(
        "max_drawdown",
        risk["max_drawdown"] if risk else None,
        f"{risk['max_drawdown']:.0%}" if risk and risk["max_drawdown"] is not None else "no candles",
        evidence["volatility_90d"].source,
        risk["as_of"] if risk else None,
    )

    dates = [d for d in (as_of, risk["as_of"] if risk else None) if d]
    age = (today - date.fromisoformat(min(dates))).days if dates else None
    evidence["data_freshness"] = Evidence(
        "data_freshness",
        age,
        f"oldest evidence {age} days old" if age is not None else "no dated evidence",
        "offers and candles above",
        min(dates) if dates else None,
        _suggest(age, q["fresh_data"].good, q["fresh_data"].partial, False),
    )
    return evidence


def _network_discount(offers, mine, sources, as_of, question) -> Evidence:
    central = offers[offers["market_model"] == "centralized"]
    rows = []
    for family, group in mine.groupby("gpu_family"):
        c = central[central["gpu_family"] == family]["price_per_gpu_hour_usd"]
        if len(c) >= 3:
            rows.append((family, len(group), 1 - group["price_per_gpu_hour_usd"].median() / c.median()))
    if not rows:
        return Evidence("network_discount", None, "no comparable GPUs", sources, as_of)
    weight = sum(n for _, n, _ in rows)
    value = sum(n * d for _, n, d in rows) / weight
    detail = ", ".join(f"{f} {d:+.0%}" for f, _, d in rows)
    return Evidence(
        "network_discount",
        value,
        f"{value:+.0%} vs centralized medians ({detail})",
        f"{sources} vs centralized offers",
        as_of,
        _suggest(value, question.good, question.partial, True),
    )


def _providers(mine: pd.DataFrame, sources: str, as_of) -> Evidence:
    counts = []
    for raw in mine.get("attributes", pd.Series(dtype=object)).dropna():
        try:
            value = json.loads(raw).get("providers_total")
        except (ValueError, AttributeError):
            continue
        if value is not None:
            counts.append(int(value))
    if not counts:
        return Evidence(
            "provider_concentration",
            None,
            "no per-provider data",
            sources,
            as_of,
            note="the Akash collector records how many providers bid per GPU model",
        )
    top = max(counts)
    return Evidence(
        "provider_concentration",
        top,
        f"up to {top} independent providers bidding per GPU model",
        sources,
        as_of,
        1.0 if top >= 20 else 0.5 if top >= 5 else 0.0,
    )


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
        if not isinstance(weight, int | float) or weight < 0:
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
    """Per step: weighted mean of the answers in 0-100, where an unanswered question counts as 0 (a claim
    without evidence earns nothing), plus the share of the weight that is answered."""
    steps = {}
    for step in checklist():
        total = sum(answers[q.id]["weight"] for q in step.questions)
        answered = [answers[q.id] for q in step.questions if answers[q.id]["score"] is not None]
        weight = sum(a["weight"] for a in answered)
        value = sum(a["score"] * a["weight"] for a in answered) / total * 100 if total else None
        steps[step.id] = {"title": step.title, "score": value, "coverage": weight / total if total else 0.0}
    scored = [s["score"] for s in steps.values() if s["score"] is not None]
    return {"steps": steps, "overall": sum(scored) / len(scored) if scored else None}


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
    missing = [e.key for e in evidence.values() if e.value is None]
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
    return "n/a" if value is None else f"{value:.0f}"


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
