"""Plotly figures of the ffviz app, one module per family: NumPy arrays and plain records in, `go.Figure` out.

`style` holds the palettes, `ChartStyle` and the one styling function every figure goes
through; `digits`, `training`, `goodness`, `inside` and `compare` hold the figures of the
pages of those names. Nothing here imports Streamlit, so the tests call every builder directly.
"""
