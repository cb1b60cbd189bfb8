"""The console core: fleet, topology, event streams, actions, outage mode."""
