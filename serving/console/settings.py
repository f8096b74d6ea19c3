"""The steward console's section of the hub config (`console:`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator


class ConsoleSettings(BaseModel):
    """The steward console (`hub steward`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    stewards: dict[str, str] = {}
    """Steward name → password hash, as `hub steward --hash-password` prints it. Stewards
    in ``HUB_STEWARDS`` may log in too."""
    https_only: bool = False
    """Send the session cookie over HTTPS only (``Secure``): set it where the console is
    served through TLS, e.g. behind a reverse proxy."""

    @field_validator("stewards")
    @classmethod
    def _hashed(cls, stewards: dict[str, str]) -> dict[str, str]:
        for name, hashed in stewards.items():
            if not hashed.startswith("scrypt$") or hashed.count("$") != 2:
                raise ValueError(
                    f"steward {name!r}: give a password hash from `hub steward --hash-password`, "
                    "not the password"
                )
        return stewards
