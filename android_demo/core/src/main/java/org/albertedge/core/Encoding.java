package org.albertedge.core;

import java.util.Arrays;
import java.util.List;

/**
 * One encoded text (or pair), as HF returns it: ids, token type ids, attention mask and per-token character offsets
 * ({@code [start, end)} in code points of the text the token came from; {@code (0, 0)} for special tokens and
 * padding). Built by {@link #build}: {@code [CLS] A [SEP] (B [SEP])}, HF's longest_first truncation, padding.
 */
public final class Encoding {
    public final int[] ids;
    public final int[] typeIds;
    public final int[] attentionMask;
    /** offsets[i] = {start, end}; null when the tokenizer does not track them. */
    public final int[][] offsets;
    public final boolean truncated;

    private Encoding(int[] ids, int[] typeIds, int[] attentionMask, int[][] offsets, boolean truncated) {
        this.ids = ids;
        this.typeIds = typeIds;
        this.attentionMask = attentionMask;
        this.offsets = offsets;
        this.truncated = truncated;
    }

    /** Tokens of one text, no special tokens: ids and offsets (offsets may be null). */
    public static final class Tokens {
        final int[] ids;
        final int[][] offsets;

        public Tokens(int[] ids, int[][] offsets) {
            this.ids = ids;
            this.offsets = offsets;
        }

        static Tokens of(List<Integer> ids, List<int[]> offsets) {
            int[] a = new int[ids.size()];
            for (int i = 0; i < a.length; i++) a[i] = ids.get(i);
            return new Tokens(a, offsets == null ? null : offsets.toArray(new int[0][]));
        }

        Tokens head(int n) {
            return n >= ids.length ? this : new Tokens(Arrays.copyOf(ids, n), offsets == null ? null
                    : Arrays.copyOf(offsets, n));
        }
    }

    /** maxLength &le; 0: no truncation; padding (with padId, mask 0, type 0) up to maxLength when asked. */
    static Encoding build(Tokens a, Tokens b, int maxLength, boolean padding, int cls, int sep, int pad) {
        boolean truncated = false;
        if (maxLength > 0) {
            int budget = maxLength - (b != null ? 3 : 2);
            if (budget < 0) {
                throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for the special tokens");
            }
            int na = a.ids.length, nb = b != null ? b.ids.length : 0;
            if (b == null) {
                truncated = na > budget;
                na = Math.min(na, budget);
            } else if (na + nb > budget) {
                // HF longest_first: the shorter keeps what it can; if both are long they split the budget and the
                // longer one (the second on a tie) gets the odd token.
                int shortLen = Math.min(na, nb);
                int keepLong = shortLen > budget ? shortLen : Math.max(shortLen, budget - shortLen);
                if (shortLen + keepLong > budget) {
                    shortLen = budget / 2;
                    keepLong = budget / 2 + budget % 2;
                }
                if (na > nb) {
                    na = keepLong;
                    nb = shortLen;
                } else {
                    na = shortLen;
                    nb = keepLong;
                }
                truncated = true;
            }
            a = a.head(na);
            if (b != null) b = b.head(nb);
        }
        int len = a.ids.length + 2 + (b != null ? b.ids.length + 1 : 0);
        int width = padding && maxLength > len ? maxLength : len;
        int[] ids = new int[width], types = new int[width], mask = new int[width];
        boolean withOffsets = a.offsets != null && (b == null || b.offsets != null);
        int[][] offsets = withOffsets ? new int[width][] : null;
        int at = 0;
        ids[at++] = cls;
        for (int i = 0; i < a.ids.length; i++) {
            if (withOffsets) offsets[at] = a.offsets[i];
            ids[at++] = a.ids[i];
        }
        ids[at++] = sep;
        if (b != null) {
            int bStart = at;
            for (int i = 0; i < b.ids.length; i++) {
                if (withOffsets) offsets[at] = b.offsets[i];
                ids[at++] = b.ids[i];
            }
            ids[at++] = sep;
            Arrays.fill(types, bStart, at, 1);
        }
        Arrays.fill(mask, 0, len, 1);
        Arrays.fill(ids, len, width, pad);
        if (withOffsets) {
            for (int i = 0; i < width; i++) if (offsets[i] == null) offsets[i] = new int[] {0, 0};
        }
        return new Encoding(ids, types, mask, offsets, truncated);
    }
}
