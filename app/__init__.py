"""Streamlit UI of DePIN Lens. Pages only render what `analytics` computes."""
