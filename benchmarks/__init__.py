"""Speed and memory measured against bounds taken in the same run: ``python -m benchmarks``.

Each figure is a median over several runs and is printed beside a bound that DuckDB (or
Streamlit, or Python itself) sets on the same machine at the same moment, so a noisy or slow
machine moves both and the ratio still says how far our code is from the limit.
See BENCHMARKS.md for the latest full run and docs/scaling.md for what lies beyond it.
"""
