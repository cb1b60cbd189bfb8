"""The lab: a real local multi-region OpenStack (upstream Keystone + Heat per region)."""
