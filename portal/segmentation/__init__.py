"""Customer segmentation: segments with versioned rules, one primary segment per customer,
its history and overrides, and the behaviour data the consumed events keep up to date."""
