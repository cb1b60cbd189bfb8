"""Opening a cloud, for the command line and the console: what they need of cloud/ and state/, through the
core (the import contracts let neither front end reach the cloud layer or the local state directly).

Cost: reading clouds.yaml; `connect` authenticates only when the catalog must name the regions.
"""

from mrconsole.cloud.connection import CloudOptions, authenticate, connect, load_config
from mrconsole.cloud.region import Timeouts
from mrconsole.cloud.templates import TemplateBundle, gather, gather_environment
from mrconsole.state.journal import Journal
from mrconsole.state.topology_cache import TopologyCache

__all__ = [
    "CloudOptions",
    "Journal",
    "TemplateBundle",
    "Timeouts",
    "TopologyCache",
    "authenticate",
    "connect",
    "gather",
    "gather_environment",
    "load_config",
]
