"""Run every benchmark with its defaults: `python -m bench` (or `make bench`).

The large ones load a million customers into their own PostgreSQL database the first time;
later runs reuse it. Each can be run alone: `python -m bench.<name> --help`.
"""

from bench import (
    customer_search,
    events,
    first_paint,
    home_page,
    load,
    metrics_overhead,
    org_tree,
    request_cpu,
    segmentation,
    upkeep,
)

BENCHES = (
    home_page,
    first_paint,
    metrics_overhead,
    request_cpu,
    org_tree,
    customer_search,
    segmentation,
    events,
    upkeep,
    load,
)

if __name__ == "__main__":
    for bench in BENCHES:
        bench.main([])
