"""Opening a cloud, for the command line and the console: what they need of cloud/ and state/, through the
core (the import contracts let neither front end reach the cloud layer or the local state directly).

Cost: reading clouds.yaml; `connect` authenticates only when the catalog must name the regions.
"""

from mrconsole.cloud.connection import CloudOptions, authenticate, cloud_names, connect, load_config
from mrconsole.cloud.region import Timeouts
from mrconsole.cloud.templates import TemplateBundle, gather, gather_environment
from mrconsole.core.live.fleet import Fleet
from mrconsole.state.journal import Journal
from mrconsole.state.topology_cache import TopologyCache
from mrconsole.state.topology_cache import default_path as default_cache_path

__all__ = [
    "CloudOptions",
    "Journal",
    "TemplateBundle",
    "Timeouts",
    "TopologyCache",
    "default_cache_path",
    "authenticate",
    "cloud_names",
    "connect",
    "gather",
    "gather_environment",
    "load_config",
    "open_fleet",
]


async def open_fleet(opts: CloudOptions, authenticate_now: bool = True) -> Fleet:
    """The cloud `opts` names, as a fleet; authenticated once now unless told not to, so that bad settings
    or credentials fail here, as one CloudError (`cloud.notices` then holds what to warn about)."""
    cloud = await connect(opts)
    try:
        if authenticate_now:
            await authenticate(cloud)
    except BaseException:
        cloud.close()
        raise
    return Fleet(cloud)
