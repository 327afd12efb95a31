"""Due diligence: the market overview's four steps, scored from the data where it can be and from the
analyst's answers elsewhere; saved as versions, compared, exported."""

import pandas as pd
import plotly.express as px
import streamlit as st

from analytics import dd
from app.data import ensure_database
from app.safety import plain, read_only, viewer_mode_notice

store = ensure_database()
viewer = read_only()
st.title("Due diligence")
st.caption(dd.NOT_ADVICE)

all_projects = dd.projects(store)
if not viewer:
    with st.sidebar:
        st.header("Add a project")
        with st.form("add_project", clear_on_submit=True):
            name = st.text_input("Name", max_chars=80)
            token = st.text_input("Token symbol (optional)", max_chars=16)
            provider = st.text_input("Provider id in the offers data (optional)", max_chars=64)
            if st.form_submit_button("Add"):
                try:
                    dd.add_project(store, name, token, provider)
                    st.success(f"Added {plain(name)}")
                    all_projects = dd.projects(store)
                except dd.DDInputError as exc:
                    st.error(plain(exc, 300))

project_id = st.selectbox("Project", list(all_projects), format_func=lambda p: all_projects[p].name[:80])
baseline = dd.assess(store, project_id)

st.subheader("Evidence from the data")
st.dataframe(
    [
        {
            "evidence": e["key"],
            "value": e["display"],
            "source": e["source"],
            "as of": e["as_of"] or "",
            "note": e["note"],
        }
        for e in baseline["evidence"].values()
    ],
    hide_index=True,
    width="stretch",
)

st.subheader("Questions")
answers: dict[str, dict] = {}
options = list(dd.ANSWER_SCORES)
with st.form("answers"):
    for step in dd.checklist():
        st.markdown(f"**{step.title}**")
        for q in step.questions:
            current = baseline["answers"][q.id]
            c1, c2, c3 = st.columns([5, 1, 3])
            answer = c1.selectbox(
                q.text,
                options,
                index=options.index(current["answer"]),
                key=f"a_{q.id}",
                help=f"Default: {current['origin']}",
            )
            weight = c2.number_input(
                "weight", min_value=0.0, max_value=10.0, value=current["weight"], step=0.5, key=f"w_{q.id}"
            )
            note = c3.text_input("note", value=current["note"], key=f"n_{q.id}", max_chars=2000)
            if (answer, weight, note) != (current["answer"], current["weight"], current["note"]):
                answers[q.id] = {"answer": answer, "weight": weight, "note": note}
    c1, c2 = st.columns(2)
    recalc = c1.form_submit_button("Score")
    if viewer:
        save = False
    else:
        author = st.text_input("Author (needed to save)", max_chars=80)
        save = c2.form_submit_button("Save as a new version")
if viewer:
    viewer_mode_notice("Adding projects and saving assessments")

try:
    assessment = dd.assess(store, project_id, answers)
except dd.DDInputError as exc:
    st.error(plain(exc, 300))
    st.stop()
if save:
    try:
        version = dd.save(store, assessment, author)
        st.success(f"Saved {plain(assessment['project'])} version {version}")
    except dd.DDInputError as exc:
        st.error(f"Not saved: {plain(exc, 300)}")

scores = assessment["scores"]
st.metric("Overall score", "n/a" if scores["overall"] is None else f"{scores['overall']:.0f} / 100")
step_frame = pd.DataFrame(
    [{"step": s["title"], "score": s["score"] or 0, "answered": s["coverage"]} for s in scores["steps"].values()]
)
st.plotly_chart(
    px.bar(
        step_frame,
        x="score",
        y="step",
        orientation="h",
        range_x=[0, 100],
        text="score",
        hover_data=["answered"],
        title="Score per step (unanswered questions count as 0)",
    ),
    width="stretch",
)
if assessment["red_flags"]:
    st.error("**Red flags**\n\n" + "\n".join(f"- {plain(flag, 300)}" for flag in assessment["red_flags"]))

c1, c2 = st.columns(2)
c1.download_button("Export Markdown", dd.to_markdown(assessment), file_name=f"dd_{project_id}.md", mime="text/markdown")
c2.download_button("Export JSON", dd.to_json(assessment), file_name=f"dd_{project_id}.json", mime="application/json")

st.subheader("Saved versions")
saved = dd.history(store, project_id)
if saved.empty:
    st.caption("No saved version yet.")
else:
    st.dataframe(saved, hide_index=True, width="stretch")
    versions = saved["version"].tolist()
    if len(versions) >= 2:
        c1, c2 = st.columns(2)
        old = c1.selectbox("Compare version", versions, index=len(versions) - 2)
        new = c2.selectbox("with version", versions, index=len(versions) - 1)
        diff = dd.compare(dd.load(store, project_id, old), dd.load(store, project_id, new))
        st.dataframe(diff, hide_index=True, width="stretch") if not diff.empty else st.caption("No differences.")
