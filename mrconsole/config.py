"""The user's config file (XDG config dir): keys, words, looks and per-cloud settings.

# ~/.config/mrconsole/config.yaml
theme: textual-light  # any Textual theme (--theme overrides)
keys:                 # binding id -> key(s), comma-separated (ids: ? in the console)
  refresh: r,ctrl+r
  quit: q
aliases:              # a word of your own for a `:` command, with its arguments
  failed: events status:failed
clouds:
  production:
    read_only: true    # every region: nothing that changes a stack is sent
    label: PROD        # in the header, instead of the cloud's name
    colour: red        # the header's label and every pane's frame wear it
  staging:
    protected: true    # every region: a distinct frame, and each change asks for the region's name
    regions:
      RegionOne: {protected: true, label: stage-eu, colour: "#ff8c00"}   # or one region only
      RegionTwo: {read_only: true}   # looked at, never changed from here (directly or through a master)
open: [production, edge]  # the clouds opened together when no --os-cloud (nor OS_CLOUD) says which

A cloud opened beside the first names its regions CLOUD/REGION (`edge/RegionOne`); its settings are still
written under its own name here (clouds.edge.regions.RegionOne).

Keys, aliases and themes are checked where the console knows them (tui/keymap.py, tui/commands.py);
a colour here, as Textual's CSS reads colours, so that the header and the frames agree.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import yaml

from mrconsole.models import split_region


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


@dataclass(frozen=True)
class Look:
    """How a cloud or a region is told apart on screen: a label instead of its name, a colour (hex)."""

    label: str = ""
    colour: str = ""


@dataclass
class UserConfig:
    keys: dict[str, str] = field(default_factory=dict)
    clouds: dict[str, dict] = field(default_factory=dict)
    path: Path | None = None
    commands: object = None  # the `commands:` entries as written; core/user_commands.parse checks them
    aliases: dict[str, str] = field(default_factory=dict)
    theme: str = ""
    open: list[str] = field(default_factory=list)  # clouds opened together by default

    def look(self, cloud: str, region: str | None = None) -> Look:
        """The cloud's look, or a region's (a region without its own colour wears its cloud's)."""
        if region is not None:
            cloud, region = split_region(cloud, region)
        entry = self.clouds.get(cloud) or {}
        if region is None:
            return Look(str(entry.get("label") or ""), _hex(_colour_of(entry)))
        own = (entry.get("regions") or {}).get(region) or {}
        return Look(str(own.get("label") or ""), _hex(_colour_of(own) or _colour_of(entry)))

    def read_only(self, cloud: str) -> bool:
        return bool((self.clouds.get(cloud) or {}).get("read_only", False))

    def read_only_regions(self, cloud: str, regions) -> frozenset[str]:
        """The regions of `cloud` (of `regions`) where nothing may be changed: the cloud's own
        `read_only: true` covers all of them (the global read-only mode), a region's its own."""
        return self._flagged(cloud, regions, "read_only")

    def protected(self, cloud: str, regions) -> frozenset[str]:
        """The regions of `cloud` (of `regions`) marked protected: the cloud's own `protected: true`
        covers all of them."""
        return self._flagged(cloud, regions, "protected")

    def _flagged(self, cloud: str, regions, flag: str) -> frozenset[str]:
        out = set()
        for key in regions:
            name, region = split_region(cloud, key)
            entry = self.clouds.get(name) or {}
            if entry.get(flag) or ((entry.get("regions") or {}).get(region) or {}).get(flag):
                out.add(key)
        return frozenset(out)


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
    aliases = data.get("aliases") or {}
    theme = data.get("theme") or ""
    opened = data.get("open") or []
    if not isinstance(opened, list) or not all(isinstance(c, str) and c.strip() for c in opened):
        raise ConfigError(f"{path}: 'open' lists cloud names of clouds.yaml, e.g. open: [production, edge]")
    if not isinstance(keys, dict) or not all(isinstance(v, str) and v.strip() for v in keys.values()):
        raise ConfigError(f"{path}: 'keys' maps binding ids to key names, e.g. refresh: r")
    if not isinstance(aliases, dict) or not all(isinstance(v, str) and v.strip() for v in aliases.values()):
        raise ConfigError(f"{path}: 'aliases' maps a word to a : command, e.g. failed: events status:failed")
    if not isinstance(theme, str):
        raise ConfigError(f"{path}: 'theme' is a theme's name, e.g. theme: textual-light")
    if not isinstance(clouds, dict):
        raise ConfigError(f"{path}: 'clouds' must be a mapping of cloud names")
    for name, entry in clouds.items():
        _check_cloud(path, str(name), entry)
    return UserConfig(
        keys={str(k): v for k, v in keys.items()},
        clouds=clouds,
        path=path,
        commands=data.get("commands"),
        aliases={str(k): v.strip() for k, v in aliases.items()},
        theme=theme,
        open=[c.strip() for c in opened],
    )


def _colour_of(entry: dict) -> str:
    return str(entry.get("colour") or entry.get("color") or "")


def _hex(colour: str) -> str:
    """A colour as '#RRGGBB' (Rich and Textual both read that), or "" for none."""
    if not colour:
        return ""
    from textual.color import Color, ColorParseError

    try:
        return Color.parse(colour).hex[:7]
    except ColorParseError:
        return ""


def _check_look(path: Path, where: str, entry: dict) -> None:
    label = entry.get("label")
    if label is not None and (not isinstance(label, str) or not label.strip() or not label.isprintable()):
        raise ConfigError(f"{path}: {where}.label must be a short line of text")
    colour = entry.get("colour", entry.get("color"))
    if colour is not None and (not isinstance(colour, str) or not _hex(colour)):
        raise ConfigError(f"{path}: {where}.colour {colour!r} is not a colour (a name like red, or #rrggbb)")


def _check_cloud(path: Path, name: str, entry) -> None:
    """One line naming the entry that is wrong."""
    if entry is None:
        return
    if not isinstance(entry, dict):
        raise ConfigError(f"{path}: clouds.{name} must be a mapping (read_only, protected, regions)")
    for flag in ("read_only", "protected"):
        if flag in entry and not isinstance(entry[flag], bool):
            raise ConfigError(f"{path}: clouds.{name}.{flag} must be true or false")
    _check_look(path, f"clouds.{name}", entry)
    regions = entry.get("regions")
    if regions is None:
        return
    if not isinstance(regions, dict):
        raise ConfigError(
            f"{path}: clouds.{name}.regions maps region names to settings, e.g. RegionOne: {{protected: true}}"
        )
    for region, settings in regions.items():
        if not isinstance(settings, dict):
            raise ConfigError(f"{path}: clouds.{name}.regions.{region} must be a mapping like {{protected: true}}")
        for flag in ("read_only", "protected"):
            if not isinstance(settings.get(flag, False), bool):
                raise ConfigError(f"{path}: clouds.{name}.regions.{region}.{flag} must be true or false")
        _check_look(path, f"clouds.{name}.regions.{region}", settings)
