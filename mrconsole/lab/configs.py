"""Config files for the lab's Keystone and Heat processes.

Every value that matters to how the lab behaves lives here, next to the
reason for it, so the lab is reproducible from one place.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


# Heat ships its api-paste.ini under <prefix>/etc/heat when pip-installed.
def heat_paste_config() -> Path:
    candidate = Path(sys.prefix) / "etc" / "heat" / "api-paste.ini"
    if candidate.exists():
        return candidate
    import heat  # only to locate the package

    pkg = Path(heat.__file__).resolve().parent
    for base in (pkg.parent, *pkg.parents):
        alt = base / "etc" / "heat" / "api-paste.ini"
        if alt.exists():
            return alt
    raise FileNotFoundError("Heat's api-paste.ini was not found; is openstack-heat installed?")


# Lab profiles (`lab up --profile`):
# - simple: Heat's deferred auth by password (deprecated since Heat 9; with it, Heat demands the user's
#   password for stack-based resources inside a constituent, which a remote-stack request lacks).
# - production: as deployment tools set a real cloud (DevStack's lib/heat, for one): deferred auth by
#   trusts, long operations re-authenticated by trusts, trusts re-delegated to the remote region's Heat
#   (Heat's allow_trusts_redelegation, Keystone's [trust] allow_redelegation: without both Heat "fails to
#   create remote stack", bug 1701498), and a [trustee] section with no project ("Authentication cannot
#   be scoped to multiple targets" with one). trusts_delegated_roles is Heat's default: every role of
#   the user's token.
# - production-no-reauth: the same without re-authentication (Heat's own default): a remote call uses the
#   user's token, so a hold or a soak longer than the token's life can fail when it is released.
PROFILES = ("simple", "production", "production-no-reauth")
# What `lab up` makes unless told: a lab set as real clouds are (a lab made before keeps its own).
DEFAULT_PROFILE = "production"


def keystone_conf(
    data_dir: Path,
    log_file: Path,
    token_expiration: int = 7200,
    profile: str = "simple",
    database_url: str | None = None,
    appcred_trusts: bool = False,
) -> str:
    text = f"""[DEFAULT]
log_file = {log_file}
use_stderr = false

[database]
connection = {database_url or "sqlite:///" + str(data_dir / "keystone.sqlite")}

[token]
provider = fernet
# Long enough that a test can stop Keystone and keep using its token (lab up --token-expiration
# makes it short, to rehearse a night longer than a token's life).
expiration = {token_expiration}

[fernet_tokens]
key_repository = {data_dir / "fernet-keys"}

[fernet_receipts]
key_repository = {data_dir / "fernet-keys"}

[credential]
key_repository = {data_dir / "credential-keys"}

[cache]
# Token validation without a cache costs about a second per request on sqlite.
enabled = true
backend = dogpile.cache.memory

[identity]
# A lab password needs no slow hash; this keeps token issue fast.
password_hash_rounds = 4

[oslo_policy]
enforce_new_defaults = true
enforce_scope = false
"""
    if profile.startswith("production"):  # the remote region's Heat re-delegates the user's trust
        text += "\n[trust]\nallow_redelegation = true\n"
    if appcred_trusts:
        # A cloud whose Heat takes stacks sent with an application credential (another cloud's master, through
        # credential_secret_id): Keystone 30 refuses such a token every trust unless told (LP#2150089).
        text += "\n[security_compliance]\nallow_insecure_application_credential_trust_escalation = true\n"
    return text


def heat_conf(
    *,
    region: str,
    data_dir: Path,
    log_file: Path,
    keystone_url: str | None,
    service_password: str,
    token_response: Path | None,
    profile: str = "simple",
    cafile: str | None = None,
    database_url: str | None = None,
) -> str:
    common = f"""[DEFAULT]
host = {region}
# The lab's own resource types (lab/manager.py LAB_TYPES): `lab lack-type` takes one away from a region.
plugin_dirs = {data_dir / "lab-plugins"}
region_name_for_services = {region}
# RPC between API and engine stays inside the one process.
transport_url = fake://
{_deferred_auth(profile)}num_engine_workers = 1
executor_thread_pool_size = 64
log_file = {log_file}
use_stderr = false
debug = false
periodic_interval = 60
max_stacks_per_tenant = 1000
# Fail a resource at once instead of retrying (Heat's default is 2 retries,
# each deleting the failed remote stack): lab failures stay inspectable.
action_retry_limit = 0
# Both off in Heat by default; the lab turns them on so that moving a master to another region
# (adopt) and dropping a stale master without touching its constituents (abandon) can be used.
enable_stack_adopt = true
enable_stack_abandon = true

[database]
# MariaDB on the production profiles (lab/mariadb.py); on sqlite, concurrent writers queue instead of
# failing: see mrconsole/lab/sqlite_tuning.py.
connection = {database_url or "sqlite:///" + str(data_dir / "heat.sqlite")}

[oslo_concurrency]
lock_path = {data_dir / "locks"}

[oslo_messaging_notifications]
driver = noop

[paste_deploy]
api_paste_config = {heat_paste_config()}
"""
    if keystone_url is None:
        # noauth claims only the `admin` role, which Heat 27's new policy
        # defaults (role:member) do not accept; the deprecated rules do.
        return (
            common
            + f"""flavor = noauth

[noauth]
token_response = {token_response}

[oslo_policy]
enforce_new_defaults = false
enforce_scope = false
"""
        )
    # Stack domain users: what a resource that takes signals (OS::Heat::WaitConditionHandle) is given to
    # signal with; Heat creates them in this domain as its domain admin (lab/keystone_setup.py).
    common = common.replace(
        "[DEFAULT]\n",
        f"[DEFAULT]\nstack_user_domain_name = heat\nstack_domain_admin = heat_domain_admin\n"
        f"stack_domain_admin_password = {service_password}\n",
        1,
    )
    auth = _service_auth(keystone_url, service_password)
    return (
        common
        + f"""
[keystone_authtoken]
www_authenticate_uri = {keystone_url}/v3
region_name = {region}
service_token_roles_required = false
# A validated token is trusted for 5 s, not keystonemiddleware's 300: `lab fault keystone
# expire-tokens` then reaches Heat's API within seconds, as a key rotation does on a real cloud
# whose caches are short.
token_cache_time = 5
{auth}{_tls(cafile, "cafile")}
[trustee]
{_trustee(auth, profile)}
[clients_keystone]
auth_uri = {keystone_url}
{_tls(cafile, "ca_file")}
[clients]
endpoint_type = publicURL
{_tls(cafile, "ca_file")}"""
    )


def _service_auth(keystone_url: str, service_password: str) -> str:
    """The lab's service login (Heat's user in the service project), as keystoneauth options: what Heat and
    Barbican validate tokens with."""
    return f"""auth_type = password
auth_url = {keystone_url}
username = heat
password = {service_password}
project_name = service
user_domain_name = Default
project_domain_name = Default
"""


def _tls(cafile: str | None, option: str) -> str:
    """With HTTPS endpoints Heat verifies Keystone and the other regions' Heat with the lab's CA, as a
    deployment tool sets a private CA: keystonemiddleware's `cafile`, and `ca_file` for Heat's clients
    (heat/common/config.py get_ssl_options: [clients_keystone] for its Keystone session, trusts and
    trustee; [clients] for the rest, the remote regions' Heat included)."""
    return f"{option} = {cafile}\n" if cafile else ""


def _deferred_auth(profile: str) -> str:
    if profile == "production-no-reauth":
        return (
            "# Trusts, with Heat's default re-authentication (none): remote calls use the user's token.\n"
            "deferred_auth_method = trusts\n"
            "allow_trusts_redelegation = true\n"
        )
    if profile == "production":
        return (
            "# As real clouds run (see PROFILES): trusts, long operations re-authenticated by them, and\n"
            "# the trust re-delegated to the remote region's Heat for a remote stack.\n"
            "deferred_auth_method = trusts\n"
            "reauthentication_auth_method = trusts\n"
            "allow_trusts_redelegation = true\n"
        )
    return "# The simple profile: password deferred auth (see PROFILES).\ndeferred_auth_method = password\n"


def _trustee(auth: str, profile: str) -> str:
    """The trustee Heat acts as: with a project it fails "Authentication cannot be scoped to multiple
    targets" under trusts, so the production profile gives none (as DevStack does)."""
    if not profile.startswith("production"):
        return auth
    return "".join(line + "\n" for line in auth.splitlines() if not line.startswith("project_"))


def noauth_token_response(heat_urls: dict[str, str]) -> str:
    """A Keystone v3 token body whose catalog lists every region's Heat.

    In noauth mode this is what lets `OS::Heat::Stack` find the other regions.
    """
    endpoints = []
    for region, url in heat_urls.items():
        for interface in ("public", "internal", "admin"):
            endpoints.append(
                {
                    "interface": interface,
                    "region": region,
                    "region_id": region,
                    "url": f"{url}/v1/admin",
                }
            )
    body = {
        "token": {
            "methods": ["token"],
            "roles": [{"name": "admin", "id": "admin"}],
            "project": {"id": "admin", "name": "admin", "domain": {"id": "default", "name": "Default"}},
            "user": {"id": "admin", "name": "admin", "domain": {"id": "default", "name": "Default"}},
            "expires_at": "2999-01-01T00:00:00.000000Z",
            "issued_at": "2000-01-01T00:00:00.000000Z",
            "catalog": [{"type": "orchestration", "name": "heat", "id": "heat", "endpoints": endpoints}],
        }
    }
    return json.dumps(body, indent=2)


def barbican_conf(
    *,
    port_url: str,
    data_dir: Path,
    log_file: Path,
    keystone_url: str,
    service_password: str,
    kek: str,
    cafile: str | None = None,
) -> str:
    """Barbican as a deployment tool sets it: its API behind keystonemiddleware (the lab's Keystone, Heat's
    service user validating tokens), secrets encrypted by the simple crypto plugin with the lab's own key
    (`kek`, 32 random bytes, base64) on sqlite, Heat 2024.1's policy defaults (a member stores and reads its
    project's secrets)."""
    return f"""[DEFAULT]
host_href = {port_url}
sql_connection = sqlite:///{data_dir / "barbican.sqlite"}
db_auto_create = true
log_file = {log_file}
use_stderr = false
debug = false

[secretstore]
enabled_secretstore_plugins = store_crypto

[crypto]
enabled_crypto_plugins = simple_crypto

[simple_crypto_plugin]
kek = {kek}

[keystone_authtoken]
www_authenticate_uri = {keystone_url}/v3
{_service_auth(keystone_url, service_password)}service_token_roles_required = false
{_tls(cafile, "cafile")}
[oslo_policy]
enforce_scope = false
"""


def barbican_paste(installed_paste: str, conf: Path) -> str:
    """Barbican's own paste file, its /v1 behind Keystone (the pipeline production runs: its unauthenticated
    one fails every request in barbican 23, `AttributeError: request_id`); keystonemiddleware told where its
    options are (Barbican keeps its own oslo.config object, not the global one the filter reads otherwise)."""
    import re

    text = re.sub(r"(?m)^/v1: .*$", "/v1: barbican-api-keystone", installed_paste)
    return text.replace(
        "paste.filter_factory = keystonemiddleware.auth_token:filter_factory\n",
        "paste.filter_factory = keystonemiddleware.auth_token:filter_factory\n"
        f"oslo_config_project = barbican\noslo_config_file = {conf}\n",
        1,
    )
