"""The lab's cloud as the cloud layer sees it (`--lab`).

Here, not in cloud/, because the lab knows where it keeps its clouds.yaml;
the cloud layer knows nothing of the lab.
"""

from __future__ import annotations

from mrconsole.cloud.connection import CloudOptions
from mrconsole.lab.manager import CLOUD_NAME, Lab


def lab_options(lab_dir: str | None = None, **kwargs) -> CloudOptions:
    """Options for the local lab's cloud."""
    lab = Lab(lab_dir)
    return CloudOptions(cloud=CLOUD_NAME, config_file=str(lab.clouds_yaml), **kwargs)
