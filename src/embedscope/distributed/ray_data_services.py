"""Ray Data's per-cluster service actors, asked for before the first dataset runs.

Ray Data 2.60 starts three detached, named actors the first time a dataset executes on a cluster: its stats
actor, the actor-location tracker of actor pools, and the autoscaling coordinator. Each is a new worker process
(~1.3 CPU-s of imports on the 2-core build machine), started on the embedding's critical path, before any image
is decoded. :func:`start_ray_data_services` asks for them while the folder scan runs instead; Ray Data then finds
them by name (``get_if_exists``), so nothing else changes. On a cluster that already ran a dataset they exist and
this costs one lookup each.

These are private Ray Data functions (Ray is pinned in ``pyproject.toml``); a Ray without them is left alone.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def start_ray_data_services() -> None:
    """Create (without waiting for them) Ray Data's stats actor, actor-location tracker and autoscaling
    coordinator on the driver's node, as Ray Data itself would on its first execution. Needs a connected driver;
    never raises (a service that cannot be asked for now is started by Ray Data later, as usual)."""
    try:
        from ray.data._internal.cluster_autoscaler import get_or_create_autoscaling_coordinator
        from ray.data._internal.execution.node_trackers.actor_location import (
            get_or_create_actor_location_tracker,
        )
        from ray.data._internal.stats import get_or_create_stats_actor
    except ImportError:  # another Ray version: Ray Data starts its services itself
        return
    for create in (get_or_create_stats_actor, get_or_create_actor_location_tracker,
                   get_or_create_autoscaling_coordinator):
        try:
            create()
        except Exception as error:  # noqa: BLE001 - a warm-up only: Ray Data retries when the dataset runs
            logger.debug("Ray Data service %s not started early: %s", create.__name__, error)
