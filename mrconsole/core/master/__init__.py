"""The master's life: its topology across regions, outage and recovery (drift), who owns a constituent, the
masters found, moving it (rehome, evict, the adopt probe), a constituent released from it (release), existing
stacks imported under a new one (gather), snapshots, and whether a value can flow between regions.
"""
