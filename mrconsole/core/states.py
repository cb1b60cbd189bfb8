"""The states views name, as enums: a region's health and how a master is known. Defined where their rules
live (cloud/health.py, core/outage.py); here for the views, which see the core only."""

from mrconsole.cloud.health import Health
from mrconsole.core.outage import MasterMode

__all__ = ["Health", "MasterMode"]
