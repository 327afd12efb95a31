"""Due diligence: the market overview's four steps, scored from the data where it can be and from the
analyst's answers elsewhere; saved as versions, resumed, compared, exported.

Each project keeps its own form state for the session (st.session_state["dd_values"][project]), started
from its latest saved version or its pre-filled defaults, so switching project never carries answers over."""

import copy

import pandas as pd
import plotly.express as px
import streamlit as st

from analytics import dd
from app.charts import show_chart, style
from app.data import cached_dd_assess, cached_dd_history, cached_dd_projects, ensure_database
from app.format import day, show_table, text
from app.safety import plain, read_only, viewer_mode_notice

store = ensure_database()
viewer = read_only()
st.title("Due diligence")
st.caption(dd.NOT_ADVICE)

drafts: dict = st.session_state.setdefault("dd_drafts", {})
values_by_project: dict = st.session_state.setdefault("dd_values", {})
FIELDS = ("answer", "weight", "note")


def widget_key(project: str, question: str, field: str) -> str:
    return f"dd:{project}:{question}:{field}"


def load_draft(project: str, version: int | None = None) -> None:
    """Start the project's form from a saved version (default: the latest) or its defaults."""
    draft = dd.start_draft(store, project, version)
    drafts[project] = draft
    values_by_project[project] = copy.deepcopy(draft["base"])
    for qid, shown in draft["base"].items():
        for field in FIELDS:
            st.session_state[widget_key(project, qid, field)] = shown[field]


def shown_values(project: str) -> dict[str, dict]:
    """What the form shows now: callbacks run before the widgets are drawn, so read the widgets' state."""
    shown = copy.deepcopy(values_by_project[project])
    for qid, item in shown.items():
        for field in FIELDS:
            item[field] = st.session_state.get(widget_key(project, qid, field), item[field])
        item["weight"] = float(item["weight"])
    return shown


def save_version(project: str) -> None:
    author = st.session_state.get("dd_author", "")
    try:
        defaults = dd.assess(store, project)
        assessment = dd.assess(store, project, dd.analyst_answers(shown_values(project), defaults))
        version = dd.save(store, assessment, author)
        cached_dd_history.clear()
    except dd.DDInputError as exc:
        st.session_state["dd_flash"] = ("error", f"Not saved: {plain(exc, 300)}")
        return
    load_draft(project, version)
    st.session_state["dd_flash"] = ("success", f"Saved {plain(assessment['project'])} version {version}")


all_projects = cached_dd_projects(store.locator)
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
                    cached_dd_projects.clear()
                    all_projects = cached_dd_projects(store.locator)
                except dd.DDInputError as exc:
                    st.error(plain(exc, 300))

project_id = st.selectbox(
    "Project", list(all_projects), format_func=lambda p: all_projects[p].name[:80], key="dd_project"
)
if project_id not in drafts:
    load_draft(project_id)
draft = drafts[project_id]
values = values_by_project[project_id]
status = st.empty()
flash = st.session_state.pop("dd_flash", None)
if flash is not None:
    kind, message = flash
    if kind == "success":
        st.success(message)
    else:
        st.error(message)

defaults = cached_dd_assess(store.locator, project_id, None)
st.subheader("Evidence from the data")
show_table(
    [{**e, "label": dd.evidence_label(e["key"]), "note": e["note"] or None} for e in defaults["evidence"].values()],
    {
        "label": text("Evidence", pinned=True),
        "display": text("Value"),
        "source": text("Source", width="medium"),
        "as_of": day("As of", why_missing="no date"),
        "note": text("Note", width="large", why_missing="no note"),
    },
)

st.subheader("Questions")
options = list(dd.ANSWER_SCORES)
for step in dd.checklist():
    st.markdown(f"**{step.title}**")
    for q in step.questions:
        keys = {field: widget_key(project_id, q.id, field) for field in FIELDS}
        for field, key in keys.items():
            if key not in st.session_state:  # widget state is dropped while another project is shown
                st.session_state[key] = values[q.id][field]
        default = defaults["answers"][q.id]
        c1, c2, c3 = st.columns([5, 1, 3])
        answer = c1.selectbox(
            q.text, options, key=keys["answer"], help=f"Default: {default['answer']} ({default['origin']})"
        )
        weight = c2.number_input("Weight", min_value=0.0, max_value=10.0, step=0.5, key=keys["weight"])
        note = c3.text_input("Note", key=keys["note"], max_chars=2000)
        values[q.id] = {"answer": answer, "weight": float(weight), "note": note}

try:
    assessment = cached_dd_assess(store.locator, project_id, dd.analyst_answers(values, defaults))
except dd.DDInputError as exc:
    st.error(plain(exc, 300))
    st.stop()

changed = dd.unsaved(draft, values)
if changed:
    status.warning(
        f"Unsaved changes to {len(changed)} answer(s) of {plain(assessment['project'])}, "
        f"started from {draft['label']}. "
        "They are kept while this session lasts; save them as a new version to keep them."
    )
else:
    status.info(f"Showing {plain(assessment['project'])}: {draft['label']}, no unsaved changes.")

if viewer:
    viewer_mode_notice("Adding projects and saving assessments")
else:
    st.text_input("Author (needed to save)", key="dd_author", max_chars=80)
    st.button("Save as a new version", on_click=save_version, args=(project_id,))

scores = assessment["scores"]
st.metric("Overall score", f"{dd.fmt_score(scores['overall'])} / 100")
st.caption(f"How the score is computed: {dd.SCORING_METHOD}")
step_frame = pd.DataFrame(
    [
        {"Step": s["title"], "Score": s["score"] or 0.0, "Answered": f"{s['coverage']:.0%}"}
        for s in scores["steps"].values()
    ]
)
figure = px.bar(
    step_frame,
    x="Score",
    y="Step",
    orientation="h",
    range_x=[0, 100],
    hover_data=["Answered"],
    title="Score per step (unanswered questions count as 0)",
)
figure.update_traces(texttemplate="%{x:.1f}", textposition="outside", cliponaxis=False)  # a 0 shows its label
figure.update_yaxes(autorange="reversed")  # step 1 on top, as the checklist reads
show_chart(style(figure, x_title="Score (out of 100)", y_title="", height=120 + 60 * len(step_frame)))
if assessment["red_flags"]:
    st.error("**Red flags**\n\n" + "\n".join(f"- {plain(flag, 300)}" for flag in assessment["red_flags"]))

c1, c2 = st.columns(2)
c1.download_button("Export Markdown", dd.to_markdown(assessment), file_name=f"dd_{project_id}.md", mime="text/markdown")
c2.download_button("Export JSON", dd.to_json(assessment), file_name=f"dd_{project_id}.json", mime="application/json")

st.subheader("Saved versions")
saved = cached_dd_history(store.locator, project_id)
if saved.empty:
    st.caption("No saved version yet.")
else:
    st.dataframe(
        [
            {
                "Version": int(r.version),
                "Author": r.author,
                "Saved (UTC)": f"{r.created_at:%Y-%m-%d %H:%M}",
                "Overall score": dd.fmt_score(r.overall),
            }
            for r in saved.itertuples()
        ],
        hide_index=True,
        width="stretch",
    )
    versions = [int(v) for v in saved["version"]]
    c1, c2 = st.columns([2, 3])
    resume = c1.selectbox("Saved version", versions, index=len(versions) - 1, key=f"dd_resume:{project_id}")
    c2.button(
        f"Continue from version {resume}",
        on_click=load_draft,
        args=(project_id, resume),
        help="Loads that version into the form; saving then creates the next version.",
    )
    if len(versions) >= 2:
        c1, c2 = st.columns(2)
        old = c1.selectbox("Compare version", versions, index=len(versions) - 2, key=f"dd_old:{project_id}")
        new = c2.selectbox("with version", versions, index=len(versions) - 1, key=f"dd_new:{project_id}")
        diff = dd.compare(dd.load(store, project_id, old), dd.load(store, project_id, new))
        if diff.empty:
            st.caption("No differences.")
        else:
            st.dataframe(
                diff.rename(columns={"item": "Item", "step": "Step", "before": "Before", "after": "After"}),
                hide_index=True,
                width="stretch",
            )
