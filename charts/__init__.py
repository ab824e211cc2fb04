"""Chart builders shared by the dashboard pages and the board packs.

One set of builders, so a page and a pack draw the same figure the same way. They return
plain plotly figures, HTML and SVG text, with no Streamlit in them: ``reports`` draws the
page charts without importing the UI layer (layers: ``metrics`` <- ``charts`` <- ``ui``,
``reports``).

Colours are the Okabe–Ito palette, which stays distinguishable under the common forms of
colour blindness. Status is never carried by colour alone: the heat table prints the value
and the status icon in every cell, and every line is named in the legend.
Every number printed on a chart is formatted by ``metrics.formatting``.

- ``palette``: the colours, fonts and status keys every builder shares.
- ``scale``: the value range a chart or sparkline is drawn over.
- ``trend``: the plotly trend figure (lines, threshold, benchmarks, projection, target date).
- ``tables``: the HTML tables beside the charts and their flat rows for CSV.
- ``static``: the trend figure drawn as SVG on the server, so a page opens without plotly.js.
- ``sparkline``: the small static SVG line on a tile and its range in words.
- ``export``: the one CSV writer for every download, formula-like cells made inert.
"""
