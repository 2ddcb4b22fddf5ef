"""Reports: lists of sections read from the counters' roll-up, rendered to every format."""
