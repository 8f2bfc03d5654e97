package org.albertedge.core;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SentencePiece's {@code precompiled_charsmap}: {@code uint32 LE trie size in bytes}, the Darts-clone double-array
 * trie (uint32 units) keyed by UTF-8 byte strings, then a blob of NUL-terminated UTF-8 replacement strings that the
 * trie values point into.
 *
 * <p>Two ways to apply it, because the two reference implementations differ in corner cases:
 * <ul>
 *   <li>{@link #normalizeHf} — Hugging Face {@code tokenizers}' {@code Precompiled} normalizer, which is what
 *       transformers 5 {@code AlbertTokenizer} (the reference for ALBERT ids) runs: per extended grapheme cluster,
 *       a cluster shorter than 6 UTF-8 bytes is replaced whole by the <em>first</em> (shortest) trie match of its
 *       bytes if there is one; otherwise each code point is looked up on its own.</li>
 *   <li>{@link #normalizePrefix} / {@link #normalizeSp} — SentencePiece's {@code Normalizer::NormalizePrefix}:
 *       longest trie match over the raw bytes, else one UTF-8 character (one byte → U+FFFD if malformed).</li>
 * </ul>
 */
public final class PrecompiledCharsmap {
    private static final Pattern GRAPHEME = Pattern.compile("\\X");

    private final int[] units;
    private final byte[] normalized;

    private PrecompiledCharsmap(int[] units, byte[] normalized) {
        this.units = units;
        this.normalized = normalized;
    }

    public static PrecompiledCharsmap parse(byte[] blob) throws TokenizerException {
        if (blob.length < 4) throw new TokenizerException("corrupt precompiled_charsmap (shorter than its header)");
        ByteBuffer bb = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieSize = bb.getInt() & 0xFFFFFFFFL;
        if (trieSize % 4 != 0 || trieSize == 0 || trieSize > blob.length - 4) {
            throw new TokenizerException("corrupt precompiled_charsmap (trie size " + trieSize + " of "
                    + (blob.length - 4) + " bytes)");
        }
        int[] units = new int[(int) (trieSize / 4)];
        for (int i = 0; i < units.length; i++) units[i] = bb.getInt();
        byte[] normalized = new byte[blob.length - 4 - (int) trieSize];
        bb.get(normalized);
        return new PrecompiledCharsmap(units, normalized);
    }

    // -- Darts-clone unit accessors ------------------------------------------------------------------------------
    private static boolean hasLeaf(int unit) { return ((unit >>> 8) & 1) == 1; }
    private static int value(int unit) { return unit & 0x7FFFFFFF; }
    private static int label(int unit) { return unit & 0x800000FF; }
    private static int offset(int unit) { return (unit >>> 10) << ((unit & (1 << 9)) >>> 6); }

    private int unit(int pos) {
        if (pos < 0 || pos >= units.length) throw new IllegalStateException("corrupt precompiled_charsmap trie");
        return units[pos];
    }

    /**
     * Darts {@code commonPrefixSearch} over {@code key[from, to)} (stops at a NUL byte): fills {@code lengths} and
     * {@code values} with every key of the trie that is a prefix, shortest first; returns how many.
     */
    private int commonPrefixSearch(byte[] key, int from, int to, int[] lengths, int[] values) {
        int n = 0;
        int nodePos = 0;
        int u = unit(nodePos);
        nodePos ^= offset(u);
        for (int i = from; i < to; i++) {
            int c = key[i] & 0xFF;
            if (c == 0) break;
            nodePos ^= c;
            u = unit(nodePos);
            if (label(u) != c) return n;
            nodePos ^= offset(u);
            if (hasLeaf(u)) {
                if (n < lengths.length) {
                    lengths[n] = i - from + 1;
                    values[n] = value(unit(nodePos));
                }
                n++;
            }
        }
        return Math.min(n, lengths.length);
    }

    private byte[] replacement(int value) {
        if (value < 0 || value > normalized.length) throw new IllegalStateException("corrupt precompiled_charsmap");
        int end = value;
        while (end < normalized.length && normalized[end] != 0) end++;
        byte[] out = new byte[end - value];
        System.arraycopy(normalized, value, out, 0, out.length);
        return out;
    }

    /** HF {@code Precompiled::transform}: replacement of the shortest trie key that prefixes {@code s}, or null. */
    String transform(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int[] lengths = new int[1], values = new int[1];
        if (commonPrefixSearch(b, 0, b.length, lengths, values) == 0) return null;
        return new String(replacement(values[0]), StandardCharsets.UTF_8);
    }

    /** The charsmap applied as HF {@code tokenizers}' {@code Precompiled} normalizer does (see class doc). */
    public String normalizeHf(String text) {
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (String g : graphemes(text)) {
            if (utf8Length(g) < 6) {
                String norm = transform(g);
                if (norm != null) {
                    out.append(norm);
                    continue;
                }
            }
            for (int i = 0; i < g.length(); ) {
                int cp = g.codePointAt(i);
                int next = i + Character.charCount(cp);
                String norm = transform(g.substring(i, next));
                out.append(norm != null ? norm : g.substring(i, next));
                i = next;
            }
        }
        return out.toString();
    }

    /**
     * Extended grapheme clusters as Rust's unicode-segmentation (HF) cuts them. The JDK's {@code \\X} breaks after
     * an unassigned supplementary code point or a noncharacter (as if it were a control); Unicode (GCB=Other, unless
     * default-ignorable) and HF attach the following marks to it, so such clusters are joined back.
     */
    static java.util.List<String> graphemes(String text) {
        java.util.List<String> out = new java.util.ArrayList<>();
        Matcher m = GRAPHEME.matcher(text);
        while (m.find()) {
            String g = m.group();
            int last = out.size() - 1;
            if (last >= 0 && isLoneOther(out.get(last)) && !isGraphemeBase(g.codePointAt(0))) {
                out.set(last, out.get(last) + g);
            } else {
                out.add(g);
            }
        }
        return out;
    }

    private static boolean isLoneOther(String g) {
        int cp = g.codePointAt(0);
        if (Character.charCount(cp) != g.length() || Character.getType(cp) != Character.UNASSIGNED) return false;
        return !(cp >= 0x2060 && cp <= 0x206F) && !(cp >= 0xFFF0 && cp <= 0xFFF8) && !(cp >= 0xE0000 && cp <= 0xE0FFF);
    }

    /** True unless the code point extends the previous cluster (marks, ZWJ, spacing marks). */
    private static boolean isGraphemeBase(int cp) {
        int t = Character.getType(cp);
        return !(t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK
                || cp == 0x200D);
    }

    /**
     * SentencePiece {@code Normalizer::NormalizePrefix} over UTF-8 bytes: returns {replacement bytes, consumed}.
     * Longest trie match; else one well-formed UTF-8 character unchanged; else U+FFFD consuming one byte.
     */
    public Object[] normalizePrefix(byte[] input, int from) {
        int[] lengths = new int[32], values = new int[32];
        int n = commonPrefixSearch(input, from, input.length, lengths, values);
        int longest = 0, longestValue = 0;
        for (int k = 0; k < n; k++) {
            if (longest == 0 || lengths[k] > longest) {
                longest = lengths[k];
                longestValue = values[k];
            }
        }
        if (longest > 0) return new Object[] {replacement(longestValue), longest};
        int len = validUtf8Length(input, from);
        if (len == 0) return new Object[] {new byte[] {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD}, 1};
        byte[] ch = new byte[len];
        System.arraycopy(input, from, ch, 0, len);
        return new Object[] {ch, len};
    }

    /**
     * SentencePiece's whole {@code Normalizer::Normalize} (what Python {@code sp.Normalize} returns), for a spec with
     * the given flags: charsmap by longest match, leading/trailing/repeated spaces removed, dummy prefix, spaces
     * escaped as U+2581. (No user-defined-symbol matcher: ALBERT models have none.)
     */
    public String normalizeSp(String text, boolean addDummyPrefix, boolean removeExtraWhitespaces,
                              boolean escapeWhitespaces) {
        byte[] in = text.getBytes(StandardCharsets.UTF_8);
        byte[] space = escapeWhitespaces ? "\u2581".getBytes(StandardCharsets.UTF_8) : new byte[] {' '};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int pos = 0;
        if (in.length == 0) return "";
        if (removeExtraWhitespaces) {
            while (pos < in.length) {
                Object[] p = normalizePrefix(in, pos);
                byte[] r = (byte[]) p[0];
                if (!(r.length == 1 && r[0] == ' ')) break;
                pos += (Integer) p[1];
            }
        }
        if (pos == in.length) return "";
        if (addDummyPrefix) out.write(space, 0, space.length);
        boolean prevSpace = removeExtraWhitespaces;
        while (pos < in.length) {
            Object[] p = normalizePrefix(in, pos);
            byte[] r = (byte[]) p[0];
            int s = 0;
            while (prevSpace && s < r.length && r[s] == ' ') s++;
            if (s < r.length) {
                for (int k = s; k < r.length; k++) {
                    if (escapeWhitespaces && r[k] == ' ') out.write(space, 0, space.length);
                    else out.write(r[k]);
                }
                prevSpace = r[r.length - 1] == ' ';
            }
            pos += (Integer) p[1];
            if (!removeExtraWhitespaces) prevSpace = false;
        }
        byte[] b = out.toByteArray();
        int len = b.length;
        if (removeExtraWhitespaces) {
            while (len >= space.length && endsWith(b, len, space)) len -= space.length;
        }
        return new String(b, 0, len, StandardCharsets.UTF_8);
    }

    private static boolean endsWith(byte[] b, int len, byte[] suffix) {
        for (int i = 0; i < suffix.length; i++) if (b[len - suffix.length + i] != suffix[i]) return false;
        return true;
    }

    /** Length of the well-formed UTF-8 character at {@code from}, or 0 if malformed (SentencePiece rules). */
    static int validUtf8Length(byte[] b, int from) {
        int c = b[from] & 0xFF;
        int len, min;
        if (c < 0x80) return 1;
        else if (c >= 0xC2 && c <= 0xDF) { len = 2; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; min = 0x10000; }
        else return 0;
        if (from + len > b.length) return 0;
        int cp = c & (0xFF >> (len + 1));
        for (int i = 1; i < len; i++) {
            int cc = b[from + i] & 0xFF;
            if ((cc & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        return len;
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            i += Character.charCount(cp);
        }
        return n;
    }
}
