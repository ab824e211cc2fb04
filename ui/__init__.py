"""Shared Streamlit helpers: charts (plain plotly, reused by the board pack), layout, navigation."""
