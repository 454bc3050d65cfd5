"""Medicine courses: drug, class, dates, why stopped, response. Doses are free text notes only."""
