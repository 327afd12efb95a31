"""DePIN Lens analytics library: settings, store, collectors and metrics.

Everything the dashboard shows is computable from here (CLI, notebooks, tests). This package never imports
Streamlit.
"""

__version__ = "0.1.0"
