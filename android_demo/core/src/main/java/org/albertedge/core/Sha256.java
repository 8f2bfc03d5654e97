package org.albertedge.core;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 through the platform's {@link MessageDigest}, as lowercase hex (the form manifests and bundles record). */
public final class Sha256 {
    private Sha256() {}

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every Java platform", e);
        }
    }

    public static byte[] raw(byte[] data, int offset, int length) {
        MessageDigest d = digest();
        d.update(data, offset, length);
        return d.digest();
    }

    public static String hex(byte[] data) {
        return toHex(raw(data, 0, data.length));
    }

    /** The file's digest, streamed (artifacts can be far larger than what one wants in memory). */
    public static String hex(File file) throws IOException {
        MessageDigest d = digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file.toPath())) {
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
        }
        return toHex(d.digest());
    }

    static String toHex(byte[] digest) {
        StringBuilder b = new StringBuilder(64);
        for (byte x : digest) b.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        return b.toString();
    }
}
