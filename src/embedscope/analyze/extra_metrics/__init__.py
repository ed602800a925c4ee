"""Metrics beyond LightlyOne's report: random-subset error bars, PRDC, Vendi score, k-center bounds."""
