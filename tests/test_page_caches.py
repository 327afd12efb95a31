"""Pages cache their expensive inputs, and what a user writes from a page shows on that page at once."""

from streamlit.testing.v1 import AppTest

from tests.conftest import REPO
from tests.stores import use_store


def _page(snapshot_store, monkeypatch, page):
    use_store(monkeypatch, snapshot_store)
    at = AppTest.from_file(str(REPO / "app" / "streamlit_app.py"), default_timeout=120).run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_a_saved_assessment_and_an_added_project_show_at_once(snapshot_store, monkeypatch):
    at = _page(snapshot_store, monkeypatch, "views/due_diligence.py")
    assert any("No saved version yet" in c.value for c in at.caption)  # the empty history is now cached
    next(t for t in at.text_input if t.label == "Author (needed to save)").input("dana")
    next(b for b in at.button if b.label == "Save as a new version").click().run()
    at.run()  # the next rerun reads the history again
    assert not at.exception
    saved = [df.value for df in at.dataframe if "Author" in getattr(df.value, "columns", [])]
    assert saved and saved[0]["Author"].tolist() == ["dana"]

    next(t for t in at.text_input if t.label == "Name").input("Golem Network")
    next(b for b in at.button if b.label == "Add").click().run()
    assert not at.exception
    project = next(b for b in at.selectbox if b.label == "Project")
    assert "Golem Network" in project.options


def test_node_earnings_warm_rerun_reuses_the_inputs(snapshot_store, monkeypatch):
    import analytics.earnings_report as er

    at = _page(snapshot_store, monkeypatch, "views/node_earnings.py")
    calls = []
    real = er.resolve_inputs

    def counting(*args, **kwargs):
        calls.append(args[1:])
        return real(*args, **kwargs)

    monkeypatch.setattr(er, "resolve_inputs", counting)
    at.run()
    assert not at.exception
    assert calls == []  # the defaults, the report and the claim cases all came from the cache
    next(s for s in at.selectbox if s.label == "GPU").set_value("H100-SXM-80GB").run()
    assert not at.exception
    assert calls  # a new GPU is computed (and then cached)
