"""The Due diligence page as an investor uses it: each project keeps its own answers, saved work can be
resumed, and no page ever shows Streamlit internals."""

import json
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from analytics import dd
from tests.conftest import REPO
from tests.stores import store_env, use_store
from tests.streamlit_text import leaked_internals

ENTRY = str(REPO / "app" / "streamlit_app.py")


def cli_overall(store, project: str) -> float:
    shown = subprocess.run(
        [sys.executable, "-m", "analytics.cli", "dd", "show", project, "--json"],
        env=store_env(store),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)["scores"]["overall"]


def open_page(store, monkeypatch) -> AppTest:
    use_store(monkeypatch, store)
    at = AppTest.from_file(ENTRY, default_timeout=90).run()
    at.switch_page("views/due_diligence.py").run()
    assert not at.exception
    return at


def note(at, project: str, question: str) -> str:
    return at.text_input(key=f"dd:{project}:{question}:note").value


def overall(at) -> str:
    return next(m.value for m in at.metric if m.label == "Overall score")


def check_clean(at) -> None:
    assert not at.exception
    assert leaked_internals(at) == []


def test_switching_project_shows_each_projects_own_answers_and_cli_score(snapshot_store, monkeypatch):
    render_score, akash_score = cli_overall(snapshot_store, "render"), cli_overall(snapshot_store, "akash")
    at = open_page(snapshot_store, monkeypatch)
    assert at.selectbox(key="dd_project").value == "render"
    assert "OctaneBench" in note(at, "render", "min_requirements_published")
    assert overall(at) == f"{dd.fmt_score(render_score)} / 100"

    at.selectbox(key="dd_project").select("akash").run()
    check_clean(at)
    assert "Kubernetes" in note(at, "akash", "min_requirements_published")
    assert "RENDER" not in note(at, "akash", "token_needed_to_pay")
    assert at.selectbox(key="dd:akash:offers_listed:answer").value == "yes"  # Akash's own offers
    assert overall(at) == f"{dd.fmt_score(akash_score)} / 100"
    assert not any(q.key.startswith("dd:render:") for q in at.selectbox if q.key)

    at.selectbox(key="dd_project").select("render").run()
    check_clean(at)
    assert "OctaneBench" in note(at, "render", "min_requirements_published")
    assert overall(at) == f"{dd.fmt_score(render_score)} / 100"


def test_unsaved_edits_stay_with_their_project_for_the_session(snapshot_store, monkeypatch):
    at = open_page(snapshot_store, monkeypatch)
    assert any("no unsaved changes" in i.value for i in at.info)
    at.text_input(key="dd:render:verified_contracts:note").input("OTOY contract").run()
    assert any("Unsaved changes to 1 answer(s) of Render Network" in w.value for w in at.warning)
    at.selectbox(key="dd_project").select("akash").run()
    assert note(at, "akash", "verified_contracts") == ""
    assert not at.warning or not any("Unsaved" in w.value for w in at.warning)
    at.selectbox(key="dd_project").select("render").run()
    assert note(at, "render", "verified_contracts") == "OTOY contract"
    assert any("Unsaved changes" in w.value for w in at.warning)
    check_clean(at)


def test_save_compare_reload_and_continue_from_a_version(snapshot_store, monkeypatch):
    at = open_page(snapshot_store, monkeypatch)
    at.text_input(key="dd_author").input("dana")
    at.selectbox(key="dd:render:verified_contracts:answer").select("partial")
    at.text_input(key="dd:render:verified_contracts:note").input("OTOY")
    next(b for b in at.button if b.label == "Save as a new version").click().run()
    check_clean(at)
    assert any("Saved Render Network version 1" in s.value for s in at.success)
    assert any("version 1 (saved by dana" in i.value for i in at.info)

    at.selectbox(key="dd:render:uptime_latency_evidence:answer").select("no").run()
    next(b for b in at.button if b.label == "Save as a new version").click().run()
    check_clean(at)
    assert any("version 2" in s.value for s in at.success)
    history = dd.history(snapshot_store, "render")
    assert history["version"].tolist() == [1, 2] and history["author"].tolist() == ["dana", "dana"]

    # compare: the table lists exactly what changed between the two versions
    assert at.selectbox(key="dd_old:render").value == 1 and at.selectbox(key="dd_new:render").value == 2
    diff = at.dataframe[-1].value
    assert "uptime_latency_evidence" in set(diff["Item"]) and "verified_contracts" not in set(diff["Item"])
    expected = dd.compare(dd.load(snapshot_store, "render", 1), dd.load(snapshot_store, "render", 2))
    assert list(diff["Item"]) == list(expected["item"])

    # reload: a new session starts from the latest saved version, not from the defaults
    at = open_page(snapshot_store, monkeypatch)
    assert any("version 2 (saved by dana" in i.value for i in at.info)
    assert at.selectbox(key="dd:render:uptime_latency_evidence:answer").value == "no"
    assert note(at, "render", "verified_contracts") == "OTOY"

    at.selectbox(key="dd_resume:render").select(1).run()
    next(b for b in at.button if b.label == "Continue from version 1").click().run()
    check_clean(at)
    assert any("version 1 (saved by dana" in i.value for i in at.info)
    assert at.selectbox(key="dd:render:uptime_latency_evidence:answer").value != "no"
    assert at.selectbox(key="dd:render:verified_contracts:answer").value == "partial"

    at.text_input(key="dd_author").input("erin")
    next(b for b in at.button if b.label == "Save as a new version").click().run()
    check_clean(at)
    assert any("version 3" in s.value for s in at.success)
    v1, v3 = dd.load(snapshot_store, "render", 1), dd.load(snapshot_store, "render", 3)
    assert v3["author"] == "erin"
    assert dd.form_values(v3) == dd.form_values(v1)
    assert v3["scores"]["overall"] == v1["scores"]["overall"]


@pytest.mark.parametrize("score", [14.5, 21.428571428571427, None])
def test_scores_display_with_one_decimal(score):
    assert dd.fmt_score(score) == {14.5: "14.5", 21.428571428571427: "21.4", None: "n/a"}[score]
