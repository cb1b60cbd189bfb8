"""The lab's cloud as the cloud layer sees it (`--lab`).

Here, not in cloud/, because the lab knows where it keeps its clouds.yaml;
the cloud layer knows nothing of the lab.
"""

from __future__ import annotations

from mrconsole.cloud.connection import CloudOptions
from mrconsole.lab.manager import CLOUD_NAME, EDGE_CLOUD, Lab


def lab_cloud_names(lab_dir: str | None = None) -> list[str]:
    """The clouds `--lab` opens: the operator's (`mrconsole-lab`) and, on a two-cloud lab, `lab-edge`."""
    return [CLOUD_NAME] + ([EDGE_CLOUD] if Lab(lab_dir).has_edge() else [])


def lab_options(
    lab_dir: str | None = None, cloud: str | None = None, clouds: list[str] | None = None, **kwargs
) -> CloudOptions:
    """Options for the local lab's clouds: `cloud`, or the `clouds` given (the first, and the others beside
    it), among those of its clouds.yaml (`mrconsole-lab-reader`, `mrconsole-lab-appcred`, `lab-edge`, ...);
    by default the operator's (`mrconsole-lab`) and, on a two-cloud lab (`lab up --clouds 2`), `lab-edge`."""
    lab = Lab(lab_dir)
    names = list(clouds or ([cloud] if cloud else []))
    if not names:
        names = lab_cloud_names(lab_dir)
    return CloudOptions(cloud=names[0], also=names[1:], config_file=str(lab.clouds_yaml), **kwargs)
