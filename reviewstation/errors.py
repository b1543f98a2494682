"""The typed errors every layer raises; each message is one sentence for the user.

Front ends catch ``ReviewStationError`` and show ``str(error)``; anything else is a bug.
"""


class ReviewStationError(Exception):
    """Base class. ``exit_code`` is what the command line returns for it."""

    exit_code = 2


class UsageError(ReviewStationError):
    """The command or its arguments are wrong."""


class InputError(ReviewStationError):
    """A file or value handed to us is malformed, hostile or out of bounds."""


class CryptoError(ReviewStationError):
    """Authentication or signature verification failed."""


class VaultError(ReviewStationError):
    """The vault cannot be opened or changed."""


class WrongPassphrase(VaultError):
    """The secret did not open any key slot (deliberately uniform)."""


class VaultBusy(VaultError):
    """Another process holds the vault's writer lock."""


class VaultCorrupt(VaultError):
    """The vault's files fail authentication or are structurally broken."""


class AuditWriteError(VaultError):
    """The audit entry could not be written, so the action did not happen."""


class PermissionDenied(VaultError):
    """The unlocked user's role does not allow this action."""


class NotFound(ReviewStationError):
    """A named object does not exist."""


class Cancelled(ReviewStationError):
    """The user cancelled a long operation; nothing was changed."""
