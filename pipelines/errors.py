"""The errors each stage raises for problems a user can fix (not programming errors)."""

from connectors import ConnectorError
from matching import MatchingError
from pipelines.config import ConfigError
from quality import QualityError
from warehouse import WarehouseError

#: Caught by the CLI and shown as a message, without a traceback.
HUB_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    ConnectorError,
    QualityError,
    MatchingError,
    WarehouseError,
)
