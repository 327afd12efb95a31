"""Everything a rendered AppTest page shows, as text, to look for Streamlit internals leaking onto a page."""

from __future__ import annotations

INTERNALS = ("DeltaGenerator", "Creator of Delta", "Traceback", "streamlit.delta_generator")


def page_text(at) -> str:
    """The protobuf text of every element and block in the rendered tree (labels, values, bodies, tooltips)."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def leaked_internals(at) -> list[str]:
    text = page_text(at)
    return [marker for marker in INTERNALS if marker in text]
