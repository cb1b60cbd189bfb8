"""The lab's cloud as the cloud layer sees it (`--lab`).

Here, not in cloud/, because the lab knows where it keeps its clouds.yaml;
the cloud layer knows nothing of the lab.
"""

from __future__ import annotations

from mrconsole.cloud.connection import CloudOptions
from mrconsole.lab.manager import CLOUD_NAME, Lab


def lab_options(lab_dir: str | None = None, cloud: str | None = None, **kwargs) -> CloudOptions:
    """Options for one of the local lab's clouds: the operator's (`mrconsole-lab`) unless `cloud` names
    another in its clouds.yaml (`mrconsole-lab-reader`, `mrconsole-lab-appcred`, ...)."""
    lab = Lab(lab_dir)
    return CloudOptions(cloud=cloud or CLOUD_NAME, config_file=str(lab.clouds_yaml), **kwargs)
