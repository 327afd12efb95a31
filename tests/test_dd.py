"""Due-diligence assessments: evidence, scores, red flags, versioning, comparison and exports round-trip."""

import json
import subprocess
import sys

import pytest

from analytics import dd
from tests.stores import store_env, use_store


def test_every_builtin_project_assesses_with_sourced_evidence(snapshot_store):
    for project in ("render", "akash", "ionet"):
        a = dd.assess(snapshot_store, project)
        assert set(a["scores"]["steps"]) == {"hardware", "token", "demand", "performance"}
        for evidence in a["evidence"].values():
            assert evidence["source"]
        assert any("Stale evidence" in f for f in a["red_flags"])  # the bundled candles end 2025-11-12
        assert a["notice"] == dd.NOT_ADVICE


def test_scores_by_hand():
    steps = dd.checklist()
    answers = {q.id: {"score": None, "weight": q.weight} for s in steps for q in s.questions}
    hardware = next(s for s in steps if s.id == "hardware")
    answers["min_requirements_published"]["score"] = 1.0  # weight 1
    answers["offers_listed"]["score"] = 0.5  # weight 1.5; consumer_gpus (weight 1) unanswered counts as 0
    scores = dd.score(answers)
    total = sum(q.weight for q in hardware.questions)
    assert scores["steps"]["hardware"]["score"] == pytest.approx((1.0 + 0.75) / total * 100)
    assert scores["steps"]["hardware"]["coverage"] == pytest.approx(2.5 / total)
    assert scores["steps"]["token"]["score"] == 0
    # overall pools every question with its checklist weight: (1 + 0.75) / all weights
    all_weights = sum(q.weight for s in steps for q in s.questions)
    assert scores["overall"] == round(1.75 / all_weights * 100, 1)
    assert "pools every question with its weight" in scores["method"]


def test_scores_are_rounded_to_one_decimal(snapshot_store):
    a = dd.assess(snapshot_store, "render")
    for value in [a["scores"]["overall"], *(s["score"] for s in a["scores"]["steps"].values())]:
        assert value == round(value, 1)
    weights = {s: v["weight"] for s, v in a["scores"]["steps"].items()}
    pooled = sum(v["score"] * weights[s] for s, v in a["scores"]["steps"].items()) / sum(weights.values())
    assert a["scores"]["overall"] == pytest.approx(pooled, abs=0.1)


def test_burn_counts_only_with_the_share_of_revenue_burned(snapshot_store, monkeypatch):
    for project in ("render", "akash", "ionet"):
        a = dd.assess(snapshot_store, project)
        burn = a["evidence"]["burn_share"]
        assert burn["display"] == "mechanism exists, share unknown" and burn["value"] is None
        assert a["answers"]["burn_or_buyback"]["answer"] == "unknown"
    from analytics.markets import tokenomics

    akash = tokenomics.networks()["akash"]
    share = tokenomics.Fact(
        "revenue_burned_share", "Share burned", 0.6, "https://example.org/report", "2026-10-01", "medium"
    )
    monkeypatch.setitem(
        tokenomics.networks(), "akash", tokenomics.Network(**{**akash.__dict__, "facts": (*akash.facts, share)})
    )
    burn = dd.assess(snapshot_store, "akash")["evidence"]["burn_share"]
    assert (burn["value"], burn["suggested_score"], burn["as_of"]) == (0.6, 1.0, "2026-10-01")


def test_akash_dilution_falls_back_to_its_governance_band(snapshot_store):
    dilution = dd.assess(snapshot_store, "akash")["evidence"]["annual_dilution"]
    assert dilution["value"] == 0.08  # the high end of the 4-8 % band
    assert dilution["display"] == "4%-8% a year (governance inflation band)"
    assert "band" in dilution["source"] and "not a measured rate" in dilution["note"]


def test_network_evidence_is_the_networks_own_offers(snapshot_store):
    from analytics import queries

    offers = queries.latest_offers(snapshot_store, pricing_kinds=queries.FIRM_PRICING_KINDS)
    evidence = dd.assess(snapshot_store, "akash")["evidence"]
    assert evidence["offer_count"]["value"] == int((offers["provider"] == "akash").sum())
    assert "of Akash Network only" in evidence["offer_count"]["source"]


def test_another_module_adds_evidence_with_one_call(snapshot_store, monkeypatch):
    from analytics.dd import evidence as evidence_module

    monkeypatch.setattr(evidence_module, "EVIDENCE_PROVIDERS", list(evidence_module.EVIDENCE_PROVIDERS))

    def coverage(ctx):
        return [dd.Evidence("issuance_coverage", 1.4, "1.40x", "test: synthetic", "2026-11-01", 1.0)]

    dd.register_evidence(coverage)
    a = dd.assess(snapshot_store, "akash")
    assert a["evidence"]["issuance_coverage"]["value"] == 1.4
    assert a["answers"]["emissions_vs_demand"]["answer"] == "yes"


def test_analyst_answers_override_and_are_validated(snapshot_store):
    a = dd.assess(snapshot_store, "akash", {"verified_contracts": {"answer": "yes", "weight": 3, "note": "x"}})
    assert a["answers"]["verified_contracts"] == {
        "answer": "yes",
        "score": 1.0,
        "weight": 3.0,
        "origin": "analyst",
        "note": "x",
        "evidence": None,
    }
    with pytest.raises(dd.DDInputError, match="answer must be one of"):
        dd.assess(snapshot_store, "akash", {"verified_contracts": {"answer": "maybe"}})
    with pytest.raises(dd.DDInputError, match="unknown question"):
        dd.assess(snapshot_store, "akash", {"nope": {"answer": "yes"}})
    with pytest.raises(dd.DDInputError, match="weight must be"):
        dd.assess(snapshot_store, "akash", {"verified_contracts": {"answer": "yes", "weight": -1}})


def test_red_flags_from_evidence():
    evidence = {
        "annual_dilution": dd.Evidence("annual_dilution", 0.12, "", "s", None),
        "issuance_coverage": dd.Evidence("issuance_coverage", None, "", "s", None),
        "fdv_to_market_cap": dd.Evidence("fdv_to_market_cap", 3.5, "", "s", None),
        "max_drawdown": dd.Evidence("max_drawdown", -0.9, "", "s", None),
        "data_freshness": dd.Evidence("data_freshness", 5, "", "s", None),
    }
    flags = dd.red_flags(evidence, {"steps": {}})
    assert "Supply grows 12.0% a year and nothing shows demand covering it" in flags
    assert "FDV is 3.5x the market cap: much supply still to come" in flags
    assert "Maximum drawdown -90%" in flags
    assert any(f.startswith("Missing evidence: ") and "Demand covering emissions" in f for f in flags)


def test_save_versions_compare_and_export_round_trip(snapshot_store):
    first = dd.assess(snapshot_store, "render")
    assert dd.save(snapshot_store, first, "alice") == 1
    second = dd.assess(snapshot_store, "render", {"verified_contracts": {"answer": "partial", "note": "OTOY"}})
    assert dd.save(snapshot_store, second, "bob") == 2
    history = dd.history(snapshot_store, "render")
    assert list(history["version"]) == [1, 2] and list(history["author"]) == ["alice", "bob"]
    loaded = dd.load(snapshot_store, "render", 1)
    assert loaded["answers"] == json.loads(json.dumps(first["answers"]))  # never overwritten
    diff = dd.compare(loaded, dd.load(snapshot_store, "render"))
    assert "verified_contracts" in set(diff["item"])
    exported = json.loads(dd.to_json(dd.load(snapshot_store, "render", 2)))
    assert exported["answers"]["verified_contracts"]["note"] == "OTOY"
    markdown = dd.to_markdown(exported)
    assert "not financial advice" in markdown and "## Evidence from the data" in markdown
    with pytest.raises(dd.DDInputError, match="author"):
        dd.save(snapshot_store, first, "  ")


def test_projects_can_be_added(snapshot_store):
    pid = dd.add_project(snapshot_store, "Aethir", token="ath")
    assert pid == "aethir" and dd.projects(snapshot_store)[pid].token == "ATH"
    a = dd.assess(snapshot_store, pid)
    assert a["evidence"]["volatility_90d"]["value"] is not None  # ATH candles are in the snapshot
    with pytest.raises(dd.DDInputError, match="exists already"):
        dd.add_project(snapshot_store, "Aethir")


def test_cli_save_history_export(snapshot_store, tmp_path):
    def depin(*args):
        return subprocess.run(
            [sys.executable, "-m", "analytics.cli", "dd", *args],
            env=store_env(snapshot_store),
            capture_output=True,
            text=True,
            timeout=120,
        )

    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"verified_contracts": {"answer": "no"}}))
    assert (
        depin("save", "ionet", "--author", "carol", "--answers", str(answers)).stdout.strip() == "saved ionet version 1"
    )
    out = tmp_path / "ionet.md"
    assert depin("export", "ionet", "--format", "md", "--output", str(out)).returncode == 0
    assert "io.net" in out.read_text()
    shown = json.loads(depin("show", "ionet", "--json").stdout)
    assert shown["project"] == "io.net"
    bad = depin("show", "nosuch")
    assert bad.returncode == 1 and bad.stderr.startswith("error: unknown project 'nosuch'")


def test_dd_page_saves_a_version(snapshot_store, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import REPO

    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=60).run()
    at.switch_page("views/due_diligence.py").run()
    assert not at.exception
    author = next(t for t in at.text_input if t.label == "Author (needed to save)")
    author.input("dana")
    next(b for b in at.button if b.label == "Save as a new version").click().run()
    assert not at.exception
    assert any("version 1" in s.value for s in at.success)
    assert dd.history(snapshot_store, "render")["author"].tolist() == ["dana"]
