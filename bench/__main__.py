"""Run every benchmark with its defaults: `python -m bench` (or `make bench`)."""

from bench import customer_search, home_page

BENCHES = (home_page, customer_search)

if __name__ == "__main__":
    for bench in BENCHES:
        bench.main([])
