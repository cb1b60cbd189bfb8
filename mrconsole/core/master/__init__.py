"""The master's life: its topology across regions, outage and recovery (drift), who owns a constituent, the
masters found, moving it (rehome, evict, the adopt probe), snapshots, and whether a value can flow between
regions.
"""
