"""Shared Streamlit helpers: layout, navigation, sign-in, uploads (charts and CSV: ``charts``)."""
