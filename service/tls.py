"""Transport security: TLS with a configured certificate and key, and mutual TLS when a client CA is given.

    [tls]
    cert_file = "/etc/journeymine/tls/server.crt"    # PEM certificate chain
    key_file = "/etc/journeymine/tls/server.key"     # PEM private key
    client_ca_file = "/etc/journeymine/tls/ca.crt"   # optional: require client certificates signed by it

Without ``cert_file`` the server listens in plaintext (insecure local mode) and says so at start.
"""

from __future__ import annotations

from pathlib import Path

import grpc
from pydantic import BaseModel, ConfigDict, model_validator


class TlsConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cert_file: Path | None = None
    key_file: Path | None = None
    # Set: mutual TLS, every client must present a certificate signed by this CA.
    client_ca_file: Path | None = None

    @model_validator(mode="after")
    def _pairs(self) -> TlsConfig:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("tls.cert_file and tls.key_file go together: set both (TLS) or neither (plaintext)")
        if self.client_ca_file is not None and self.cert_file is None:
            raise ValueError("tls.client_ca_file (mutual TLS) needs tls.cert_file and tls.key_file as well")
        return self

    @property
    def enabled(self) -> bool:
        return self.cert_file is not None

    @property
    def mutual(self) -> bool:
        return self.client_ca_file is not None


class TlsFileError(ValueError):
    """A configured TLS file cannot be read; the message names the key and the file."""


def _read(key: str, path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TlsFileError(f"tls.{key} {path}: cannot read it ({exc.strerror})") from exc
    if b"-----BEGIN " not in data:
        raise TlsFileError(f"tls.{key} {path}: not a PEM file (no '-----BEGIN' line)")
    return data


def server_credentials(config: TlsConfig) -> grpc.ServerCredentials:
    """The server's TLS credentials; with ``client_ca_file``, clients must present a certificate it signed."""
    assert config.cert_file is not None and config.key_file is not None  # callers check config.enabled
    chain = _read("cert_file", config.cert_file)
    key = _read("key_file", config.key_file)
    ca = _read("client_ca_file", config.client_ca_file) if config.client_ca_file is not None else None
    return grpc.ssl_server_credentials([(key, chain)], root_certificates=ca, require_client_auth=ca is not None)
