"""The lab tier: real Keystone and Heat (tests/conftest.py brings the lab up once per worker)."""
