"""One module per selection strategy (and per synthetic input), each turning its input into an objective.

Objectives are positive numbers per candidate sample, higher is better; :mod:`embedscope.select.combined`
multiplies them, each raised to its strategy's ``strength``, and picks greedily. THRESHOLD is a filter,
not an objective.
"""

OBJECTIVE_FLOOR = 1e-12
"""Smallest objective value: keeps log(objective) finite, so a zero objective ranks last instead of
making the product undefined (0 ** negative strength)."""
