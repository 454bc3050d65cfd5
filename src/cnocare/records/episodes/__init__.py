"""Disease episodes: presentation, flares and remissions, with their dates."""
