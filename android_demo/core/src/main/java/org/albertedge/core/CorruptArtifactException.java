package org.albertedge.core;

/**
 * An artifact whose bytes fail a check it carries (sha256 trailer, checksums.json, zip CRC, bundled file sha256) or
 * that disagrees with the manifest.json beside it. The message always starts {@code "corrupt artifact: "}, as
 * Python's CorruptArtifactError does; a subclass of {@link TokenizerException} so one catch handles every unusable
 * bundle.
 */
public final class CorruptArtifactException extends TokenizerException {
    private static final long serialVersionUID = 1L;
    public static final String PREFIX = "corrupt artifact: ";

    public CorruptArtifactException(String where, String what) {
        super(PREFIX + where + ": " + what);
    }
}
