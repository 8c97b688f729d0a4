"""Pure figure builders: payload (+ view filters) → Plotly figure dict. One module per page; no I/O."""
