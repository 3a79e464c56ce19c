"""Streamlit-side helpers of the ffviz app: shared state (`ui.state`), training controls
(`ui.training`) and pure Plotly figure builders (`ui.charts`). `ffviz/` never imports this."""
