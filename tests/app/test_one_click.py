"""One click, one action: `ui.session.once_per_click` runs a button's callback once per token.

Streamlit 1.67 sometimes calls a button's `on_click` twice for one click while a `run_every`
fragment reruns (the Train page's Pause then played again at once). The guard is checked here in a
real script run, where `st.session_state` lives, and the Pause click under load in
`tests/e2e/test_train_live.py`.
"""

from streamlit.testing.v1 import AppTest


def script_calling_a_guarded_callback():
    import streamlit as st

    from ui import session

    st.session_state.setdefault("calls", 0)

    def count():
        st.session_state.calls += 1

    on_click, args = session.once_per_click(count)
    on_click(*args)
    on_click(*args)  # The same click again: no second call.
    again, again_args = session.once_per_click(count)
    again(*again_args)  # A new click (the button drawn anew): a call.
    st.button("Count", key="count", on_click=on_click, args=args)


def test_one_token_runs_the_callback_once_and_a_new_token_runs_it_again():
    """Test that a repeated call with one token is ignored and the next page run's token acts."""
    app = AppTest.from_function(script_calling_a_guarded_callback).run()
    assert app.session_state["calls"] == 2
    app.button(key="count").click().run()  # The click's callback (first call of its token) + the script's 2.
    assert app.session_state["calls"] == 5
