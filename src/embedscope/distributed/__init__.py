"""The same stages on Ray: Ray Data for ingest and embedding (actor pools, Parquet shards, resume), Ray tasks
for the composable k-center selection and the metrics. Needs the ``ray`` extra (``embedscope[ray]``)."""
