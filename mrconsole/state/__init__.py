"""Local state: the action journal and the topology cache (sqlite, XDG state dir)."""
