"""Orchestration: the stages in order, from parameters to the output folder."""
