"""Ray Data's service actors asked for before the first dataset: the very actors Ray Data then uses, no second
copy of any (the warm-up only moves their start earlier)."""

from __future__ import annotations

import time

import numpy as np

from embedscope.distributed.ray_data_services import start_ray_data_services
from tests.distributed.conftest import TwoNodeCluster

SERVICES = {  # Ray Data 2.60's per-cluster actors: class → (name, namespace)
    "_StatsActor": ("datasets_stats_actor", "_dataset_stats_actor"),
    "ActorLocationTracker": ("ActorLocationTracker", "ActorLocationTracker"),
    "_AutoscalingCoordinatorActor": ("AutoscalingCoordinator", "AutoscalingCoordinator"),
}


def _alive_services() -> dict[str, set[str]]:
    """class name → ids of its live actors (from the GCS actor table: no dashboard needed)."""
    from ray._private.state import actors

    alive: dict[str, set[str]] = {name: set() for name in SERVICES}
    for info in actors().values():
        if info["ActorClassName"] in SERVICES and info["State"] != "DEAD":
            alive[info["ActorClassName"]].add(info["ActorID"])
    return alive


class _Double:
    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"id": batch["id"] * 2}


def test_ray_data_runs_on_the_service_actors_started_before_it(ray_two_nodes: TwoNodeCluster) -> None:
    import ray
    import ray.data

    for name, namespace in SERVICES.values():  # an earlier test's dataset may have started them: start afresh
        try:
            ray.kill(ray.get_actor(name, namespace=namespace), no_restart=True)
        except ValueError:
            pass
    deadline = time.monotonic() + 30
    while any(_alive_services().values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive_services().values())

    start_ray_data_services()
    started = _alive_services()
    assert all(len(ids) == 1 for ids in started.values()), started

    doubled = ray.data.range(16, override_num_blocks=4).map_batches(_Double, concurrency=1, batch_size=4)
    assert sorted(row["id"] for row in doubled.take_all()) == list(range(0, 32, 2))
    assert _alive_services() == started
