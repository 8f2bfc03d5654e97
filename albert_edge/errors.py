"""Typed errors. Everything a user can cause derives from AlbertEdgeError: the CLI prints its message as one line
and exits non-zero; anything else is a bug and keeps its traceback."""


class AlbertEdgeError(Exception):
    exit_code = 2


class CheckpointError(AlbertEdgeError):
    """A model folder that is missing pieces, malformed, or does not match its config."""


class TokenizerError(AlbertEdgeError):
    """A SentencePiece model that cannot be read or does not fit the checkpoint."""


class InputError(AlbertEdgeError):
    """Bad user input: files, text, options."""


class DataError(AlbertEdgeError):
    """A data set that cannot be used as given (columns, labels, sizes)."""


class ConversionError(AlbertEdgeError):
    """An export that failed or that a backend cannot take."""


class ParityError(ConversionError):
    """An artifact whose outputs do not match PyTorch within tolerance."""


class MissingExtraError(AlbertEdgeError):
    """An optional dependency is not installed; the message names the pip command that fixes it."""


class BenchError(AlbertEdgeError):
    """A benchmark that could not run: runner crash, unreachable device, corrupt artifact."""
