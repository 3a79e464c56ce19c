"""ffviz: an interactive explorer of Hinton's Forward-Forward algorithm (2022).

The entrypoint is only a router: page setup, session defaults, the shared sidebar and the
list of pages. Run it with `streamlit run app.py`.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # Keras reads it once, at its first import.

import streamlit as st  # noqa: E402

from ui import links, state  # noqa: E402

st.set_page_config(page_title="ffviz: Forward-Forward explorer", page_icon=":material/neurology:", layout="wide")
state.init_session()

pages = [
    # The default page is served at "/" whatever its url_path, so /goodness is a hidden
    # second entry for the same file: links and tests may use either address.
    st.Page("app_pages/goodness.py", title="Goodness", icon=":material/draw:", url_path="home", default=True),
    st.Page("app_pages/goodness.py", title="Goodness", url_path="goodness", visibility="hidden"),
    st.Page("app_pages/data.py", title="Data", icon=":material/grid_view:", url_path="data"),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
    st.Page("app_pages/inside.py", title="Inside", icon=":material/biotech:", url_path="inside"),
    st.Page("app_pages/compare.py", title="FF vs backprop", icon=":material/compare_arrows:", url_path="compare"),
]
page = st.navigation(pages)
linked_page = links.read_once(pages)
if linked_page is not None and linked_page is not page:
    st.switch_page(linked_page)
links.write(page.url_path)
links.show_notices()
with st.sidebar:
    # The talk-mode switch comes first, so it is at the top even though the rest of the
    # sidebar is drawn after the page.
    st.toggle("Talk mode", key="talk_mode", help="Hide explanations and enlarge charts for a projector.")
    st.selectbox(
        "Dataset", state.DATASETS, key="dataset_name", format_func=state.DISPLAY_NAMES.get, on_change=state.dataset_changed
    )
page.run()
state.render_sidebar()
