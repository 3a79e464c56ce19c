"""ffviz: an interactive explorer of Hinton's Forward-Forward algorithm (2022).

The entrypoint is only a router: page setup, session defaults, the shared sidebar and the
list of pages. Run it with `streamlit run app.py`.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # Keras reads it once, at its first import.

import streamlit as st  # noqa: E402

from ui import state  # noqa: E402

st.set_page_config(page_title="ffviz: Forward-Forward explorer", page_icon="🧠", layout="wide")
state.init_session()

pages = [
    st.Page("app_pages/goodness.py", title="Goodness", icon="✏️", url_path="goodness", default=True),
    st.Page("app_pages/data.py", title="Data", icon="🔢", url_path="data"),
    st.Page("app_pages/train.py", title="Train", icon="🏋️", url_path="train"),
    st.Page("app_pages/inside.py", title="Inside", icon="🔬", url_path="inside"),
]
page = st.navigation(pages)
state.render_sidebar()
page.run()
