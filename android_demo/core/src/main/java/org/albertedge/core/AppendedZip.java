package org.albertedge.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Reads a zip archive that ends a file, such as the stored zip appended to a {@code .tflite} flatbuffer (the layout
 * TFLite metadata uses for associated files). Finds the End-Of-Central-Directory record at the end, walks the
 * central directory and returns every entry's bytes (stored or deflated), CRC-checked, and where the body before
 * the zip ends. Entry offsets may be relative to the zip's own start or to the file's start: the prefix length is
 * derived from where the central directory really lies.
 *
 * <p>Not java.util.zip: {@code ZipInputStream} reads from the first byte and stops at the flatbuffer before the
 * zip; {@code ZipFile} needs a file on disk (the app may hold the model as bytes), does not check CRCs when reading
 * and does not tell where the first entry starts — the end of the body that checksums.json covers.
 */
public final class AppendedZip {
    private static final int EOCD_SIG = 0x06054b50, CEN_SIG = 0x02014b50, LOC_SIG = 0x04034b50;

    /** Entries by name, in central-directory order. */
    public final Map<String, byte[]> entries;
    /** Bytes before the first entry's local header: the body the zip was appended to. */
    public final int bodyLength;

    private AppendedZip(Map<String, byte[]> entries, int bodyLength) {
        this.entries = entries;
        this.bodyLength = bodyLength;
    }

    /** Throws if there is no zip at the end or it is corrupt (bounds, local headers, deflate data, CRC, size). */
    public static AppendedZip read(byte[] file) throws TokenizerException {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = -1;
        for (int i = file.length - 22; i >= Math.max(0, file.length - 22 - 65535); i--) {
            if (b.getInt(i) == EOCD_SIG && i + 22 + (b.getShort(i + 20) & 0xFFFF) == file.length) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) throw new TokenizerException("no zip archive appended (no End-Of-Central-Directory record)");
        int count = b.getShort(eocd + 10) & 0xFFFF;
        long cdSize = b.getInt(eocd + 12) & 0xFFFFFFFFL;
        long cdOffset = b.getInt(eocd + 16) & 0xFFFFFFFFL;
        long cdStart = eocd - cdSize;
        long base = cdStart - cdOffset; // bytes before the zip (0 if offsets are absolute)
        if (cdStart < 0 || base < 0) throw new TokenizerException("corrupt appended zip (central directory bounds)");
        Map<String, byte[]> out = new LinkedHashMap<>();
        long body = cdStart;
        int p = (int) cdStart;
        try {
            for (int k = 0; k < count; k++) {
                if (b.getInt(p) != CEN_SIG) throw new TokenizerException("corrupt appended zip (central directory)");
                int method = b.getShort(p + 10) & 0xFFFF;
                long crc = b.getInt(p + 16) & 0xFFFFFFFFL;
                long csize = b.getInt(p + 20) & 0xFFFFFFFFL;
                long usize = b.getInt(p + 24) & 0xFFFFFFFFL;
                int nameLen = b.getShort(p + 28) & 0xFFFF, extraLen = b.getShort(p + 30) & 0xFFFF;
                int commentLen = b.getShort(p + 32) & 0xFFFF;
                long local = base + (b.getInt(p + 42) & 0xFFFFFFFFL);
                String name = new String(file, p + 46, nameLen, StandardCharsets.UTF_8);
                p += 46 + nameLen + extraLen + commentLen;
                if (local < 0 || local + 30 > file.length || b.getInt((int) local) != LOC_SIG) {
                    throw new TokenizerException("corrupt appended zip (local header of " + name + ")");
                }
                int lp = (int) local;
                body = Math.min(body, local);
                long data = local + 30 + (b.getShort(lp + 26) & 0xFFFF) + (b.getShort(lp + 28) & 0xFFFF);
                if (data + csize > cdStart || usize > Integer.MAX_VALUE) {
                    throw new TokenizerException("corrupt appended zip (entry " + name + " out of bounds)");
                }
                byte[] raw = new byte[(int) csize];
                System.arraycopy(file, (int) data, raw, 0, raw.length);
                byte[] content;
                if (method == 0) {
                    content = raw;
                } else if (method == 8) {
                    content = inflate(raw, (int) usize, name);
                } else {
                    throw new TokenizerException("appended zip entry " + name + " uses compression method " + method);
                }
                CRC32 c = new CRC32();
                c.update(content);
                if (content.length != usize || c.getValue() != crc) {
                    throw new TokenizerException("corrupt appended zip (CRC/size mismatch in " + name + ")");
                }
                if (out.put(name, content) != null) {
                    throw new TokenizerException("corrupt appended zip (entry " + name + " twice)");
                }
            }
        } catch (IndexOutOfBoundsException e) {
            throw new TokenizerException("corrupt appended zip (truncated)");
        }
        return new AppendedZip(Collections.unmodifiableMap(out), (int) body);
    }

    private static byte[] inflate(byte[] raw, int size, String name) throws TokenizerException {
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(raw);
            // the declared size is not trusted for the allocation: a corrupt header must not exhaust memory
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(size, 1 << 20));
            byte[] buf = new byte[8192];
            while (!inf.finished() && out.size() <= size) {
                int n = inf.inflate(buf);
                if (n == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new TokenizerException("corrupt appended zip (bad deflate data in " + name + ")");
        } finally {
            inf.end();
        }
    }
}
