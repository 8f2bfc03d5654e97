package org.albertedge.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Token classification post-processing, exactly as albert_edge/tasks.py's {@code _tag_tokens}: per-token logits
 * {@code [L, C]} → one label per token from {@code [CLS]} to {@code [SEP]} (padding dropped), word spans with
 * character offsets (code points of the text, as Python indexes it) labeled by their first token, and IOB2 entities.
 * tests/test_android_core.py runs both on the same encodings and logits and compares every field.
 */
public final class TokenTagging implements Result {
    /** A word or an entity: {@code [start, end)} in code points of the text, its label and its text. */
    public static final class Span {
        public final int start;
        public final int end;
        public final String label;
        public final String text;

        Span(int start, int end, String label, String text) {
            this.start = start;
            this.end = end;
            this.label = label;
            this.text = text;
        }

        String toJson(boolean entity) {
            String s = "\"start\": " + start + ", \"end\": " + end + ", ";
            return entity ? "{\"label\": " + Json.quote(label) + ", " + s + "\"text\": " + Json.quote(text) + "}"
                    : "{" + s + "\"label\": " + Json.quote(label) + ", \"text\": " + Json.quote(text) + "}";
        }
    }

    public final List<String> pieces;
    public final List<String> labels;
    public final float[][] logits;
    public final List<Span> spans;
    public final List<Span> entities;
    public final boolean truncated;

    private TokenTagging(List<String> pieces, List<String> labels, float[][] logits, List<Span> spans,
                         List<Span> entities, boolean truncated) {
        this.pieces = pieces;
        this.labels = labels;
        this.logits = logits;
        this.spans = spans;
        this.entities = entities;
        this.truncated = truncated;
    }

    /**
     * @param pieces  the token strings of the encoding (HF's; see {@link Vocabulary})
     * @param offsets per token {@code {start, end}} in code points of {@code text}; {@code {0, 0}} for specials
     * @param logits  the output {@code [1, L, C]} flattened, L &ge; the unpadded length
     */
    public static TokenTagging of(String[] pieces, int[][] offsets, int[] attentionMask, boolean truncated,
                                  float[] logits, List<String> labelNames, String text) {
        int c = labelNames.size(), n = 0;
        for (int m : attentionMask) n += m;
        if (c == 0 || logits.length % c != 0 || logits.length / c < n) {
            throw new IllegalArgumentException("logits of " + logits.length + " values are not [L, " + c
                    + "] with L >= " + n);
        }
        float[][] rows = new float[n][];
        String[] tokenLabels = new String[attentionMask.length];
        for (int i = 0; i < attentionMask.length; i++) {
            if (i >= n) {
                tokenLabels[i] = "O";
                continue;
            }
            rows[i] = new float[c];
            System.arraycopy(logits, i * c, rows[i], 0, c);
            int best = 0;  // the first of equal maxima, as Python's max(range(C), key=row.__getitem__)
            for (int k = 1; k < c; k++) if (rows[i][k] > rows[i][best]) best = k;
            tokenLabels[i] = labelNames.get(best);
        }
        int[] cps = text.codePoints().toArray();
        List<Span> spans = wordSpans(pieces, offsets, attentionMask, tokenLabels, cps);
        List<String> p = new ArrayList<>(), l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            p.add(pieces[i]);
            l.add(tokenLabels[i]);
        }
        return new TokenTagging(Collections.unmodifiableList(p), Collections.unmodifiableList(l), rows, spans,
                entities(spans, cps), truncated);
    }

    /** From an {@link Encoding} whose tokenizer tracks offsets (pieces from {@link Vocabulary}). */
    public static TokenTagging of(Encoding enc, String[] pieces, float[] logits, List<String> labelNames, String text) {
        if (enc.offsets == null) {
            throw new IllegalArgumentException("this tokenizer does not track character offsets; word spans need them");
        }
        return of(pieces, enc.offsets, enc.attentionMask, enc.truncated, logits, labelNames, text);
    }

    /**
     * Whitespace-delimited words, each labeled by its first token: a token opens a word after a gap, after a special
     * token or padding, or when it is a SentencePiece piece opening with "▁"; a WordPiece "##" piece continues one.
     * A special token's {@code (0, 0)} span is empty, so it lands in the empty-span branch as Python's explicit
     * special-token test does.
     */
    static List<Span> wordSpans(String[] pieces, int[][] offsets, int[] mask, String[] tokenLabels, int[] text) {
        List<int[]> bounds = new ArrayList<>();
        List<String> labs = new ArrayList<>();
        boolean newWord = true;
        int prevEnd = -1;
        for (int i = 0; i < offsets.length; i++) {
            int start = offsets[i][0], end = offsets[i][1];
            if (mask[i] == 0) {
                newWord = true;
                continue;
            }
            while (start < end && isPythonSpace(text[start])) start++;  // a "▁" piece may cover its space
            if (start >= end) {  // a bare "▁" or a special token: the next piece opens the word
                newWord = true;
                continue;
            }
            String piece = pieces[i];
            if (piece.startsWith(AlbertTokenizer.UNDERLINE) || start > prevEnd) newWord = true;
            if (piece.startsWith("##") && !bounds.isEmpty()) newWord = false;
            if (newWord || bounds.isEmpty()) {
                bounds.add(new int[] {start, end});
                labs.add(tokenLabels[i]);
            } else {
                int[] last = bounds.get(bounds.size() - 1);
                last[1] = Math.max(last[1], end);
            }
            newWord = false;
            prevEnd = end;
        }
        List<Span> out = new ArrayList<>();
        for (int k = 0; k < bounds.size(); k++) {
            int[] b = bounds.get(k);
            out.add(new Span(b[0], b[1], labs.get(k), slice(text, b[0], b[1])));
        }
        return Collections.unmodifiableList(out);
    }

    /** IOB2 word labels → entities; an I- that does not continue an entity of its type opens one. */
    static List<Span> entities(List<Span> words, int[] text) {
        List<int[]> bounds = new ArrayList<>();
        List<String> types = new ArrayList<>();
        String cur = null;
        for (Span w : words) {
            String[] tt = entityType(w.label);
            if (tt[0].equals("O")) {
                cur = null;
                continue;
            }
            if (tt[0].equals("B") || cur == null || !cur.equals(tt[1])) {
                bounds.add(new int[] {w.start, w.end});
                types.add(tt[1]);
                cur = tt[1];
            } else {
                bounds.get(bounds.size() - 1)[1] = w.end;
            }
        }
        List<Span> out = new ArrayList<>();
        for (int k = 0; k < bounds.size(); k++) {
            int[] b = bounds.get(k);
            out.add(new Span(b[0], b[1], types.get(k), slice(text, b[0], b[1])));
        }
        return Collections.unmodifiableList(out);
    }

    /** {"B"|"I"|"O", type} of an IOB2 label; a label without a B-/I-/E-/S- prefix is its own type. */
    static String[] entityType(String label) {
        if (label.equals("O") || label.isEmpty()) return new String[] {"O", ""};
        boolean prefixed = label.length() > 2 && (label.charAt(1) == '-' || label.charAt(1) == '_');
        if (prefixed && "BIES".indexOf(label.charAt(0)) >= 0) {
            char c = label.charAt(0);
            return new String[] {c == 'B' || c == 'S' ? "B" : "I", label.substring(2)};
        }
        return new String[] {"I", label};
    }

    /** Python's {@code str.isspace()}: general category Zs, or bidirectional class WS, B or S. */
    static boolean isPythonSpace(int cp) {
        if (Character.getType(cp) == Character.SPACE_SEPARATOR) return true;
        byte d = Character.getDirectionality(cp);
        return d == Character.DIRECTIONALITY_WHITESPACE || d == Character.DIRECTIONALITY_PARAGRAPH_SEPARATOR
                || d == Character.DIRECTIONALITY_SEGMENT_SEPARATOR;
    }

    private static String slice(int[] text, int start, int end) {
        return new String(text, start, end - start);
    }

    /** What albert-edge {@code predict --json} prints for this text (same keys, same order). */
    @Override
    public String toJson() {
        StringBuilder b = new StringBuilder("{\"pieces\": [");
        for (int i = 0; i < pieces.size(); i++) b.append(i > 0 ? ", " : "").append(Json.quote(pieces.get(i)));
        b.append("], \"labels\": [");
        for (int i = 0; i < labels.size(); i++) b.append(i > 0 ? ", " : "").append(Json.quote(labels.get(i)));
        b.append("], \"logits\": [");
        for (int i = 0; i < logits.length; i++) b.append(i > 0 ? ", " : "").append(Json.floatArray(logits[i]));
        b.append("], \"spans\": [");
        for (int i = 0; i < spans.size(); i++) b.append(i > 0 ? ", " : "").append(spans.get(i).toJson(false));
        b.append("], \"entities\": [");
        for (int i = 0; i < entities.size(); i++) b.append(i > 0 ? ", " : "").append(entities.get(i).toJson(true));
        return b.append("], \"truncated\": ").append(truncated).append('}').toString();
    }
}
