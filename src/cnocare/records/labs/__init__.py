"""Laboratory results: value + unit as reported, normalised to the catalogue's canonical unit."""
