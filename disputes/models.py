"""disputes models: added by its own issue (see README, "Where the design lives")."""
