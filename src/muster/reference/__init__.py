"""Reference data: nations, phases, priority areas, the course catalogue, and the demo data."""
