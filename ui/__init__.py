"""Streamlit-side helpers of the ffviz app: settings (`ui.settings`), session state (`ui.session`), training controls
(`ui.training`) and pure Plotly figure builders (`ui.charts`). `ffviz/` never imports this."""
