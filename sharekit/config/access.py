"""The `reader:` section of `sharekit.yml`, read into model.ReaderAccess: the database-connection
route, for a customer who cannot share.

    reader:
      role: OPTIMOVE_READER        # default
      user: OPTIMOVE_ETL           # default; a TYPE = SERVICE user, key-pair only, no password
      warehouse: OPTIMOVE_WH       # default; created when missing, an existing one is only used
      public_key: keys/optimove.pub   # a PEM file relative to this config, or the key itself (${VAR})
      allowed_ips: [203.0.113.10, 198.51.100.0/24]   # Optimove's addresses (IPv4, CIDR allowed)
      credit_quota: 20             # optional: a resource monitor that suspends the warehouse
      statement_timeout: 1h        # optional: STATEMENT_TIMEOUT_IN_SECONDS of the user

The key is never printed: plans and reports show its fingerprint, `SHA256:` and the base64 of the
SHA-256 of its DER bytes, which is what Snowflake shows as RSA_PUBLIC_KEY_FP.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import re
from pathlib import Path
from typing import Any

from sharekit.config.model import (
    DEFAULT_READER_ROLE,
    DEFAULT_READER_USER,
    DEFAULT_READER_WAREHOUSE,
    ReaderAccess,
    parse_duration,
)
from sharekit.config.reader import Reader, _name, _text
from sharekit.config.source import Located

READER_KEYS = ("role", "user", "warehouse", "public_key", "allowed_ips", "credit_quota", "statement_timeout")
MAX_STATEMENT_TIMEOUT = 604_800  # seconds (7 days): the largest STATEMENT_TIMEOUT_IN_SECONDS
_RSA_OID = bytes.fromhex("06092a864886f70d010101")  # rsaEncryption, inside a SubjectPublicKeyInfo
_PEM = re.compile(r"-----BEGIN ([A-Z ]+)-----(.*?)-----END \1-----", re.S)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+\Z")


def fingerprint(der_base64: str) -> str:
    """RSA_PUBLIC_KEY_FP of a key: `SHA256:` + base64(SHA-256(DER))."""
    digest = hashlib.sha256(base64.b64decode(der_base64)).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii")


def parse_public_key(text: str) -> str:
    """PEM (`-----BEGIN PUBLIC KEY-----`) or a bare base64 body → the one-line base64 body Snowflake
    takes; refuses private keys and anything that is not an RSA public key, without echoing it."""
    body = text.strip()
    pem = _PEM.search(body)
    if pem:
        label, body = pem.group(1), pem.group(2)
        if "PRIVATE" in label:
            raise ValueError("is a PRIVATE key: give Optimove's PUBLIC key (`openssl rsa -in key.p8 -pubout`); "
                             "the private key stays with Optimove and never goes in a config")
        if label != "PUBLIC KEY":
            raise ValueError(f"is a PEM {label.lower()}, not a public key: give the "
                             "`-----BEGIN PUBLIC KEY-----` block Optimove sends")
    elif "PRIVATE KEY" in body:
        raise ValueError("holds a PRIVATE key: give Optimove's PUBLIC key instead")
    if not _BASE64.match(body):
        raise ValueError("is not a public key: expected a `-----BEGIN PUBLIC KEY-----` block or its base64 body")
    compact = "".join(body.split())
    try:
        der = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not valid base64: copy the public key again, whole") from None
    if not der.startswith(b"\x30") or _RSA_OID not in der[:32] or len(der) < 160:
        raise ValueError("is not an RSA public key of at least 1024 bits (Snowflake needs 2048-bit RSA): "
                         "ask Optimove for its key-pair public key")
    return base64.b64encode(der).decode("ascii")


def _key_source(base_dir: Path):  # type: ignore[no-untyped-def]
    """`public_key:` is the key itself (PEM or base64, e.g. from `${VAR}`) or a file path relative
    to the config."""
    def convert(value: Any) -> str:
        text = _text(value)
        if "-----BEGIN" in text or (len(text.strip()) > 100 and _BASE64.match(text.strip())):
            return parse_public_key(text)
        path = base_dir / text.strip()
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ValueError(f"file {path} not found: give the path of Optimove's public key file, relative to "
                             "the config, or the key itself through ${VAR}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read {path}: {error}") from None
        try:
            return parse_public_key(content)
        except ValueError as error:
            raise ValueError(f"{path} {error}") from None

    return convert


def _ips(value: Any) -> tuple[str, ...]:
    """IPv4 addresses or CIDR ranges, normalised (a host as `a.b.c.d`), in order, once each."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise TypeError("must be a non-empty list of Optimove's IPv4 addresses or CIDR ranges")
    seen: list[str] = []
    for item in items:
        text = _text(item).strip()
        try:
            network = ipaddress.ip_network(text, strict=True)
        except ValueError as error:
            hint = " (host bits set: write the network address)" if "host bits" in str(error) else ""
            raise ValueError(f"{text!r} is not an IPv4 address or CIDR range{hint}") from None
        if network.version != 4:
            # network policies take IPv4 only (UNCONFIRMED for IPv6 today: no source read here settles it)
            raise ValueError(f"{text!r} is IPv6: Snowflake network policies take IPv4 addresses")
        if network.prefixlen == 0:
            raise ValueError(f"{text!r} opens the reader to every address: list Optimove's addresses only")
        shown = str(network.network_address) if network.prefixlen == 32 else str(network)
        if shown not in seen:
            seen.append(shown)
    return tuple(seen)


def _quota(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TypeError(f"must be a whole number of credits of at least 1, not {value!r}")
    return value


def _timeout(value: Any) -> int:
    """Seconds: a bare number, or a duration (30m, 1h, 1d)."""
    if isinstance(value, bool):
        raise TypeError(f"must be seconds or a duration such as 30m or 1h, not {value!r}")
    seconds = value if isinstance(value, int) else int(parse_duration(_text(value)).total_seconds())
    if not 1 <= seconds <= MAX_STATEMENT_TIMEOUT:
        raise ValueError(f"{seconds} s is out of range: use 1 s to 7 days ({MAX_STATEMENT_TIMEOUT} s)")
    return seconds


def read_access(r: Reader, top: Located, base_dir: Path) -> ReaderAccess | None:
    """`reader:` (None when absent); every problem located."""
    if "reader" not in top:
        return None
    node = r.mapping(top["reader"], "reader", READER_KEYS, top.key_lines["reader"])
    if node is None:
        return None
    role = r.get(node, "reader", "role", _name, default=DEFAULT_READER_ROLE)
    user = r.get(node, "reader", "user", _name, default=DEFAULT_READER_USER)
    warehouse = r.get(node, "reader", "warehouse", _name, default=DEFAULT_READER_WAREHOUSE)
    key = r.get(node, "reader", "public_key", _key_source(base_dir), required=True)
    ips = r.get(node, "reader", "allowed_ips", _ips, required=True)
    quota = r.get(node, "reader", "credit_quota", _quota)
    timeout = r.get(node, "reader", "statement_timeout", _timeout)
    if role is None or user is None or warehouse is None or key is None or not ips:
        return None
    return ReaderAccess(
        role=role, user=user, warehouse=warehouse, network_policy=f"{user}_NETWORK_POLICY",
        public_key=key, key_fingerprint=fingerprint(key), allowed_ips=ips,
        resource_monitor=f"{warehouse}_MONITOR" if quota is not None else None,
        credit_quota=quota, statement_timeout=timeout, line=node.line,
    )
