"""Typed errors. Everything a user can cause derives from AlbertEdgeError: the CLI prints its message as one line
and exits non-zero; anything else is a bug and keeps its traceback."""


def first_line(e: BaseException | str, limit: int = 300) -> str:
    """The first non-empty line of an exception's message (the type name if it has none), cut to `limit` chars:
    what a user-facing message quotes from a library error."""
    text = str(e).strip()
    line = next((x.strip() for x in text.splitlines() if x.strip()), "")
    if not line:
        return type(e).__name__ if isinstance(e, BaseException) else ""
    return line[:limit]


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


class CorruptArtifactError(InputError):
    """An artifact whose bytes fail their own checksums or the manifest's, or that no runtime can parse."""
