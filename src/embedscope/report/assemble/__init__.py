"""report assembly: the run's results → the ``ReportV2`` model, figures and side files (no metric is computed here)."""
