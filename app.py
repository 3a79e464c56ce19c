"""ffviz: an interactive explorer of Hinton's Forward-Forward algorithm (2022).

The entrypoint is only a router: page setup, session defaults, the shared sidebar and the
list of pages. Run it with `streamlit run app.py`.
"""

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # Keras reads it once, at its first import.

import streamlit as st  # noqa: E402

from ui import layout, links, session  # noqa: E402

st.set_page_config(page_title="ffviz: Forward-Forward explorer", page_icon=":material/neurology:", layout="wide")
session.init_session()

pages = [
    # The default page is served at "/" whatever its url_path, so /goodness is a hidden
    # second entry for the same file: links and tests may use either address.
    st.Page("app_pages/goodness.py", title="Goodness", icon=":material/draw:", url_path="home", default=True),
    st.Page("app_pages/goodness.py", title="Goodness", url_path="goodness", visibility="hidden"),
    st.Page("app_pages/data.py", title="Data", icon=":material/grid_view:", url_path="data"),
    st.Page("app_pages/train.py", title="Train", icon=":material/model_training:", url_path="train"),
    st.Page("app_pages/inside.py", title="Inside", icon=":material/biotech:", url_path="inside"),
    st.Page("app_pages/compare.py", title="FF vs backprop", icon=":material/compare_arrows:", url_path="compare"),
    st.Page("app_pages/present.py", title="Present", icon=":material/co_present:", url_path="present"),
    st.Page("app_pages/join.py", title="Join a room", icon=":material/smartphone:", url_path="join"),
]
page = st.navigation(pages)
linked_page = links.read_once(pages)
if linked_page is not None and linked_page is not page:
    st.switch_page(linked_page)
# The sidebar starts collapsed in talk mode, so the stage gets the whole projector; it is read
# after the link, which may turn talk mode on.
st.set_page_config(initial_sidebar_state="collapsed" if layout.talk_mode() else "auto")
links.write()
links.show_notices()
# The talk-mode switch and the dataset come first, so they are at the top of the sidebar even
# though the rest of it is drawn after the page.
layout.sidebar_controls()
page.run()
layout.render_sidebar()
