"""The user's config file (XDG config dir): key remapping and per-cloud settings.

# ~/.config/mrconsole/config.yaml
keys:                 # binding id -> key(s), comma-separated
  refresh: r,f5
  quit: q
clouds:
  production:
    read_only: true
  staging:
    protected: true    # every region: a distinct frame, and each change asks for the region's name
    regions:
      RegionOne: {protected: true}   # or one region only
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import yaml


def config_path() -> Path:
    env = os.environ.get("MRCONSOLE_CONFIG")
    if env:
        return Path(env)
    return Path(platformdirs.user_config_dir("mrconsole")) / "config.yaml"


def keep_private() -> None:
    """Every file this process creates is 0600 and every directory 0700 (#33): the journal, the cache,
    the log (after rotation too: the handler creates a new file), timeline exports and saved events hold
    parameters and Heat's reasons. Set once at start (cli/main.py), before anything is written."""
    os.umask(0o077)


def state_dir() -> Path:
    path = Path(platformdirs.user_state_dir("mrconsole"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if stat.S_IMODE(path.stat().st_mode) & 0o077:  # left wider by an older version
        path.chmod(0o700)
    return path


@dataclass
class UserConfig:
    keys: dict[str, str] = field(default_factory=dict)
    clouds: dict[str, dict] = field(default_factory=dict)
    path: Path | None = None
    commands: object = None  # the `commands:` entries as written; core/user_commands.parse checks them

    def read_only(self, cloud: str) -> bool:
        return bool((self.clouds.get(cloud) or {}).get("read_only", False))

    def protected(self, cloud: str, regions) -> frozenset[str]:
        """The regions of `cloud` (of `regions`) marked protected: the cloud's own `protected: true`
        covers all of them."""
        entry = self.clouds.get(cloud) or {}
        if entry.get("protected"):
            return frozenset(regions)
        per = entry.get("regions") or {}
        return frozenset(r for r in regions if (per.get(r) or {}).get("protected"))


class ConfigError(Exception):
    one_line = True


def load(path: Path | None = None) -> UserConfig:
    path = path or config_path()
    if not path.exists():
        return UserConfig(path=path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o022:  # its `commands:` run as the operator: a file others may write is not theirs alone
        raise ConfigError(f"{path} is writable by others (mode {mode:04o}); run: chmod go-w {path}")
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
    for name, entry in clouds.items():
        _check_cloud(path, str(name), entry)
    return UserConfig(
        keys={str(k): v for k, v in keys.items()}, clouds=clouds, path=path, commands=data.get("commands")
    )


def _check_cloud(path: Path, name: str, entry) -> None:
    """One line naming the entry that is wrong."""
    if entry is None:
        return
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: clouds.{name} must be a mapping (read_only, protected, regions)")
    for flag in ("read_only", "protected"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise ConfigError(f"{path}: clouds.{name}.{flag} must be true or false")
    regions = entry.get("regions")
    if regions is None:
        return
    if not isinstance(regions, dict):
        raise ConfigError(
            f"{path}: clouds.{name}.regions maps region names to settings, e.g. RegionOne: {{protected: true}}"
        )
    for region, settings in regions.items():
        if not isinstance(settings, dict) or not isinstance(settings.get("protected", False), bool):
            raise ConfigError(f"{path}: clouds.{name}.regions.{region} must be a mapping like {{protected: true}}")
