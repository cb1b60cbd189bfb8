"""mrconsole's tests, by tier: unit/, lab/, screens/ (the snapshot and hostile-text tiers), bench/."""
