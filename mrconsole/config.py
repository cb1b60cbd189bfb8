"""The user's config file (XDG config dir): key remapping and per-cloud settings.

# ~/.config/mrconsole/config.yaml
keys:                 # binding id -> key(s), comma-separated
  refresh: r,f5
  quit: q
clouds:
  production:
    read_only: true
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import yaml


def config_path() -> Path:
    env = os.environ.get("MRCONSOLE_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir("mrconsole")) / "config.yaml"


def state_dir() -> Path:
    path = Path(platformdirs.user_state_dir("mrconsole"))
    path.mkdir(parents=True, exist_ok=True)
    return path


@dataclass
class UserConfig:
    keys: dict[str, str] = field(default_factory=dict)
    clouds: dict[str, dict] = field(default_factory=dict)
    path: Path | None = None

    def read_only(self, cloud: str) -> bool:
        return bool((self.clouds.get(cloud) or {}).get("read_only", False))


class ConfigError(Exception):
    one_line = True


def load(path: Path | None = None) -> UserConfig:
    path = path or config_path()
    if not path.exists():
        return UserConfig(path=path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top")
    keys = data.get("keys") or {}
    clouds = data.get("clouds") or {}
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ConfigError(f"{path}: 'keys' maps binding ids to key names, e.g. refresh: r")
    if not isinstance(clouds, dict):
        raise ConfigError(f"{path}: 'clouds' must be a mapping of cloud names")
    return UserConfig(keys={str(k): v for k, v in keys.items()}, clouds=clouds, path=path)
