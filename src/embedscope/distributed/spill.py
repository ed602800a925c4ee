"""Object-store bytes Ray spilled to disk, for the engine record (when Ray reports them)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def spilled_bytes() -> int | None:
    """Total bytes spilled by the cluster's object stores so far, or None when Ray does not report them (Ray
    Client connections, or a Ray whose internal memory API changed: it is not public, so failures are logged
    and ignored)."""
    try:
        import ray
        from ray._private.internal_api import get_memory_info_reply, get_state_from_address

        if ray.util.client.ray.is_connected():
            return None
        reply = get_memory_info_reply(get_state_from_address(ray.get_runtime_context().gcs_address))
        return int(reply.store_stats.spilled_bytes_total)
    except Exception as error:  # noqa: BLE001 - an optional statistic must never fail the run
        logger.debug("object-store spill statistics unavailable: %s", error)
        return None
