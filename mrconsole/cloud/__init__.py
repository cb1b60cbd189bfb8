"""The only layer that talks to Heat and Keystone."""
