"""Run every benchmark with its defaults: `python -m bench` (or `make bench`)."""

from bench import customer_search

BENCHES = (customer_search,)

if __name__ == "__main__":
    for bench in BENCHES:
        bench.main([])
