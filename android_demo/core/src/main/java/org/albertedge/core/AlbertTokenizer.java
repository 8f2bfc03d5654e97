package org.albertedge.core;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ALBERT tokenization, id for id what transformers 5 {@code AlbertTokenizer} (HF {@code tokenizers}) produces; the
 * spec is docs/BUNDLE_FORMAT.md. Pure Java, no Android imports.
 *
 * <p>Pipeline: split on the special pieces typed in the text; per chunk: {@code ``}/{@code ''} → {@code "}, NFKD +
 * drop marks (general category Mn/Mc/Me, as HF's StripAccents) unless keep_accents, per-code-point lowercase (as
 * Rust's {@code char::to_lowercase}: no final-sigma context), the model's precompiled charsmap (HF grapheme
 * semantics), split on Unicode White_Space, {@code ▁} prefix and split before each {@code ▁} (HF Metaspace), unigram
 * Viterbi per word with HF tie-breaking, optional split_digit_comma; then {@code [CLS] … [SEP]}, truncation, padding.
 * All indexing is by code point (Java strings are UTF-16; Python and Rust index code points).
 *
 * <p>Over 400 lines because it is one algorithm, HF's SentencePiece pipeline end to end (added tokens, normalization,
 * Metaspace, Viterbi with HF's tie-breaking, offsets); the charsmap, model parsing and alignments live apart.
 */
public final class AlbertTokenizer implements Tokenizer {
    public static final String UNDERLINE = "\u2581";
    /** The special pieces; ids always come from the model. */
    public static final String PAD = "<pad>", UNK = "<unk>", CLS = "[CLS]", SEP = "[SEP]", MASK = "[MASK]";
    private static final double UNK_PENALTY = 10.0;

    private final SentencePieceModel model;
    final PrecompiledCharsmap charsmap;
    final boolean doLowerCase, keepAccents, splitDigitComma;
    private final Map<String, Integer> vocab = new HashMap<>();
    private final double[] scores;
    private final int maxPieceCodePoints;
    private final double unkScore;
    private final Map<String, Integer> specialIds = new LinkedHashMap<>();
    private final Map<String, Seg> cache = new HashMap<>();

    /** A word's best segmentation: pieces and how many code points of the word each covers. */
    private static final class Seg {
        final List<String> pieces;
        final int[] lengths;

        Seg(List<String> pieces, int[] lengths) {
            this.pieces = pieces;
            this.lengths = lengths;
        }
    }
    private final AddedTokens added;
    /** transformers 5 builds ALBERT's Unigram with unk_id=1 whatever the model says; other layouts are refused. */
    static final int HF_UNK_ID = 1;

    public AlbertTokenizer(SentencePieceModel model) throws TokenizerException {
        this(model, true, false, false);
    }

    public AlbertTokenizer(SentencePieceModel model, boolean doLowerCase, boolean keepAccents, boolean splitDigitComma)
            throws TokenizerException {
        this.model = model;
        this.doLowerCase = doLowerCase;
        this.keepAccents = keepAccents;
        this.splitDigitComma = splitDigitComma;
        byte[] cm = model.precompiledCharsmap();
        this.charsmap = cm.length > 0 ? PrecompiledCharsmap.parse(cm) : null;
        int n = model.size();
        scores = new double[n];
        int maxLen = 1;
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            String p = model.piece(i);
            vocab.putIfAbsent(p, i);
            scores[i] = model.score(i);
            min = Math.min(min, scores[i]);
            maxLen = Math.max(maxLen, p.codePointCount(0, p.length()));
        }
        maxPieceCodePoints = maxLen;
        unkScore = min - UNK_PENALTY;
        if (model.unkId() != HF_UNK_ID) {
            throw new TokenizerException("unsupported SentencePiece option unk_id=" + model.unkId()
                    + ": HF AlbertTokenizer always uses id 1 as <unk>; retrain with unk_id=1 (ALBERT layout)");
        }
        String[][] roles = {{"pad", PAD}, {"unk", UNK}, {"cls", CLS}, {"sep", SEP}, {"mask", MASK}};
        for (String[] role : roles) {
            Integer id = role[1].equals(UNK) ? Integer.valueOf(model.unkId()) : vocab.get(role[1]);
            if (id == null) {
                throw new TokenizerException("SentencePiece model has no " + role[1]
                        + " piece; train it with `albert-edge tokenizer-train`");
            }
            specialIds.put(role[0], id);
        }
        List<String> addedTokens = new ArrayList<>(List.of(PAD, model.piece(HF_UNK_ID), CLS, SEP, MASK));
        for (int i = 0; i < n; i++) {
            int type = model.type(i);
            // USER_DEFINED pieces stay pieces of the Unigram model, as in transformers 5.25 (tokenizer/spiece.py)
            if (type == SentencePieceModel.CONTROL) {
                addedTokens.add(model.piece(i));
            }
        }
        added = new AddedTokens(addedTokens);
    }

    /** Tokenizer for a model plus the bundle's tokenizer.json settings (special ids cross-checked). */
    public static AlbertTokenizer fromBundle(byte[] spieceModel, TokenizerConfig config) throws TokenizerException {
        AlbertTokenizer t = new AlbertTokenizer(SentencePieceModel.parse(spieceModel), config.doLowerCase,
                config.keepAccents, config.splitDigitComma);
        for (Map.Entry<String, Integer> e : config.specialIds.entrySet()) {
            Integer mine = t.specialIds.get(e.getKey());
            if (mine != null && !mine.equals(e.getValue())) {
                throw new TokenizerException("tokenizer.json says " + e.getKey() + "=" + e.getValue()
                        + " but the SentencePiece model has it at " + mine + ": model and config do not match");
            }
        }
        return t;
    }

    @Override public String kind() { return "sentencepiece"; }
    @Override public int vocabSize() { return model.size(); }
    @Override public int specialId(String role) { return specialIds.get(role); }
    @Override public Map<String, Integer> specialIds() { return new LinkedHashMap<>(specialIds); }
    public SentencePieceModel model() { return model; }

    // -- pipeline ------------------------------------------------------------------------------------------------

    /** ALBERT's text preprocessing before the charsmap (quotes, accents, case). */
    public String preprocess(String text) {
        String t = text.replace("``", "\"").replace("''", "\"");
        if (!keepAccents) {
            t = nfkd(t);
            StringBuilder b = new StringBuilder(t.length());
            for (int i = 0; i < t.length(); ) {
                int cp = t.codePointAt(i);
                if (!isMark(cp)) b.appendCodePoint(cp);
                i += Character.charCount(cp);
            }
            t = b.toString();
        }
        if (doLowerCase) t = lower(t);
        return t;
    }

    /**
     * Marks (Mn/Mc/Me in Unicode 14) that HF's StripAccents does NOT strip: its table (crate
     * unicode-normalization-alignments, tokenizers 0.22) predates them (mostly Unicode 10-14 additions). Sorted
     * inclusive ranges, generated by testing every code point against {@code tokenizers.normalizers.StripAccents}.
     */
    private static final int[] MARKS_HF_KEEPS = {
        0x7FD, 0x7FD, 0x898, 0x89F, 0x8CA, 0x8D3, 0x9FE, 0x9FE, 0xAFA, 0xAFF, 0xB55, 0xB55, 0xC04, 0xC04,
        0xC3C, 0xC3C, 0xD00, 0xD00, 0xD3B, 0xD3C, 0xD81, 0xD81, 0xEBA, 0xEBA, 0x1715, 0x1715, 0x180F, 0x180F,
        0x1ABF, 0x1ACE, 0x1CF7, 0x1CF7, 0x1DF6, 0x1DFA, 0xA82C, 0xA82C, 0xA8FF, 0xA8FF, 0x10D24, 0x10D27,
        0x10EAB, 0x10EAC, 0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11070, 0x11070, 0x11073, 0x11074, 0x110C2, 0x110C2,
        0x11145, 0x11146, 0x111C9, 0x111C9, 0x111CE, 0x111CF, 0x1133B, 0x1133B, 0x1145E, 0x1145E, 0x1182C, 0x1183A,
        0x11930, 0x11935, 0x11937, 0x11938, 0x1193B, 0x1193E, 0x11940, 0x11940, 0x11942, 0x11943, 0x119D1, 0x119D7,
        0x119DA, 0x119E0, 0x119E4, 0x119E4, 0x11A01, 0x11A0A, 0x11A33, 0x11A39, 0x11A3B, 0x11A3E, 0x11A47, 0x11A47,
        0x11A51, 0x11A5B, 0x11A8A, 0x11A99, 0x11D31, 0x11D36, 0x11D3A, 0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45,
        0x11D47, 0x11D47, 0x11D8A, 0x11D8E, 0x11D90, 0x11D91, 0x11D93, 0x11D97, 0x11EF3, 0x11EF6, 0x16F4F, 0x16F4F,
        0x16F7F, 0x16F87, 0x16FE4, 0x16FE4, 0x16FF0, 0x16FF1, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46, 0x1E130, 0x1E136,
        0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF
    };

    /**
     * Pairs (upper, lower) where HF's Lowercase (Rust {@code char::to_lowercase}, Unicode 16) maps a letter that
     * older JDK/ICU tables leave alone (letters cased since Unicode 14). Generated against JDK 17 + tokenizers 0.22.
     */
    private static final int[] LOWER_EXTRA = {
        0x1C89, 0x1C8A, 0x2C2F, 0x2C5F, 0xA7C0, 0xA7C1, 0xA7CB, 0x264, 0xA7CC, 0xA7CD, 0xA7CE, 0xA7CF, 0xA7D0,
        0xA7D1, 0xA7D2, 0xA7D3, 0xA7D4, 0xA7D5, 0xA7D6, 0xA7D7, 0xA7D8, 0xA7D9, 0xA7DA, 0xA7DB, 0xA7DC, 0x19B,
        0x10570, 0x10597, 0x10571, 0x10598, 0x10572, 0x10599, 0x10573, 0x1059A, 0x10574, 0x1059B, 0x10575, 0x1059C,
        0x10576, 0x1059D, 0x10577, 0x1059E, 0x10578, 0x1059F, 0x10579, 0x105A0, 0x1057A, 0x105A1, 0x1057C, 0x105A3,
        0x1057D, 0x105A4, 0x1057E, 0x105A5, 0x1057F, 0x105A6, 0x10580, 0x105A7, 0x10581, 0x105A8, 0x10582, 0x105A9,
        0x10583, 0x105AA, 0x10584, 0x105AB, 0x10585, 0x105AC, 0x10586, 0x105AD, 0x10587, 0x105AE, 0x10588, 0x105AF,
        0x10589, 0x105B0, 0x1058A, 0x105B1, 0x1058C, 0x105B3, 0x1058D, 0x105B4, 0x1058E, 0x105B5, 0x1058F, 0x105B6,
        0x10590, 0x105B7, 0x10591, 0x105B8, 0x10592, 0x105B9, 0x10594, 0x105BB, 0x10595, 0x105BC, 0x10D50, 0x10D70,
        0x10D51, 0x10D71, 0x10D52, 0x10D72, 0x10D53, 0x10D73, 0x10D54, 0x10D74, 0x10D55, 0x10D75, 0x10D56, 0x10D76,
        0x10D57, 0x10D77, 0x10D58, 0x10D78, 0x10D59, 0x10D79, 0x10D5A, 0x10D7A, 0x10D5B, 0x10D7B, 0x10D5C, 0x10D7C,
        0x10D5D, 0x10D7D, 0x10D5E, 0x10D7E, 0x10D5F, 0x10D7F, 0x10D60, 0x10D80, 0x10D61, 0x10D81, 0x10D62, 0x10D82,
        0x10D63, 0x10D83, 0x10D64, 0x10D84, 0x10D65, 0x10D85, 0x16EA0, 0x16EBB, 0x16EA1, 0x16EBC, 0x16EA2, 0x16EBD,
        0x16EA3, 0x16EBE, 0x16EA4, 0x16EBF, 0x16EA5, 0x16EC0, 0x16EA6, 0x16EC1, 0x16EA7, 0x16EC2, 0x16EA8, 0x16EC3,
        0x16EA9, 0x16EC4, 0x16EAA, 0x16EC5, 0x16EAB, 0x16EC6, 0x16EAC, 0x16EC7, 0x16EAD, 0x16EC8, 0x16EAE, 0x16EC9,
        0x16EAF, 0x16ECA, 0x16EB0, 0x16ECB, 0x16EB1, 0x16ECC, 0x16EB2, 0x16ECD, 0x16EB3, 0x16ECE, 0x16EB4, 0x16ECF,
        0x16EB5, 0x16ED0, 0x16EB6, 0x16ED1, 0x16EB7, 0x16ED2, 0x16EB8, 0x16ED3
    };

    /**
     * Code points HF's NFKD leaves alone though newer Unicode (JDK 17 / Python 3.11 tables) decomposes them: its
     * table predates their decompositions (Unicode 12+). All are starters (combining class 0), so NFKD can be
     * applied to the runs between them. Sorted.
     */
    static final int[] NFKD_HF_KEEPS = {
        0x32FF, 0xA7F2, 0xA7F3, 0xA7F4, 0xAB69, 0x10781, 0x10782, 0x10783, 0x10784, 0x10785, 0x10787, 0x10788,
        0x10789, 0x1078A, 0x1078B, 0x1078C, 0x1078D, 0x1078E, 0x1078F, 0x10790, 0x10791, 0x10792, 0x10793, 0x10794,
        0x10795, 0x10796, 0x10797, 0x10798, 0x10799, 0x1079A, 0x1079B, 0x1079C, 0x1079D, 0x1079E, 0x1079F, 0x107A0,
        0x107A1, 0x107A2, 0x107A3, 0x107A4, 0x107A5, 0x107A6, 0x107A7, 0x107A8, 0x107A9, 0x107AA, 0x107AB, 0x107AC,
        0x107AD, 0x107AE, 0x107AF, 0x107B0, 0x107B2, 0x107B3, 0x107B4, 0x107B5, 0x107B6, 0x107B7, 0x107B8, 0x107B9,
        0x107BA, 0x11938, 0x1F16C, 0x1FBF0, 0x1FBF1, 0x1FBF2, 0x1FBF3, 0x1FBF4, 0x1FBF5, 0x1FBF6, 0x1FBF7, 0x1FBF8,
        0x1FBF9
    };

    /** NFKD as HF's table has it: {@link java.text.Normalizer} except for {@link #NFKD_HF_KEEPS}. */
    static String nfkd(String t) {
        int first = -1;
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            if (cp >= 0x32FF && Arrays.binarySearch(NFKD_HF_KEEPS, cp) >= 0) {
                first = i;
                break;
            }
            i += Character.charCount(cp);
        }
        if (first < 0) return Normalizer.normalize(t, Normalizer.Form.NFKD);
        StringBuilder b = new StringBuilder(t.length() + 8);
        int runStart = 0;
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp >= 0x32FF && Arrays.binarySearch(NFKD_HF_KEEPS, cp) >= 0) {
                b.append(Normalizer.normalize(t.substring(runStart, i), Normalizer.Form.NFKD)).appendCodePoint(cp);
                runStart = i + n;
            }
            i += n;
        }
        return b.append(Normalizer.normalize(t.substring(runStart), Normalizer.Form.NFKD)).toString();
    }

    /**
     * HF StripAccents: removes general category Mark (Mn, Mc, Me) as its Unicode tables know it. Not Python's
     * {@code unicodedata.combining(c) != 0}: e.g. U+20E3 (keycap), U+FE0F (emoji variation selector) and Indic vowel
     * signs have combining class 0 yet are marks, and HF strips them.
     */
    static boolean isMark(int cp) {
        if (cp == 0x1CF2 || cp == 0x1CF3) return true; // marks (Mc) in HF's older tables, Lo since Unicode 10
        int type = Character.getType(cp);
        if (type != Character.NON_SPACING_MARK && type != Character.ENCLOSING_MARK
                && type != Character.COMBINING_SPACING_MARK) {
            return false;
        }
        return !inRanges(MARKS_HF_KEEPS, cp);
    }

    private static int lowerExtra(int cp) {
        int lo = 0, hi = LOWER_EXTRA.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < LOWER_EXTRA[2 * mid]) hi = mid - 1;
            else if (cp > LOWER_EXTRA[2 * mid]) lo = mid + 1;
            else return LOWER_EXTRA[2 * mid + 1];
        }
        return -1;
    }

    private static boolean inRanges(int[] ranges, int cp) {
        int lo = 0, hi = ranges.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (cp < ranges[2 * mid]) hi = mid - 1;
            else if (cp > ranges[2 * mid + 1]) lo = mid + 1;
            else return true;
        }
        return false;
    }

    /** Per-code-point full lowercase mapping (Rust {@code char::to_lowercase}), locale-independent. */
    static String lower(String s) {
        int k;
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp < 0x80) {
                b.append((char) (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
            } else if (cp >= 0x1C89 && (k = lowerExtra(cp)) >= 0) {
                b.appendCodePoint(k);
            } else {
                // A one-code-point string: Java applies the full (multi-char) mappings, e.g. U+0130 → "i̇", and no
                // final-sigma context, like Rust. Locale.ROOT: never the Turkish/Lithuanian rules.
                b.append(s.substring(i, i + n).toLowerCase(Locale.ROOT));
            }
            i += n;
        }
        return b.toString();
    }

    /** Rust {@code char::is_whitespace} (Unicode White_Space), what HF's WhitespaceSplit splits on. */
    static boolean isWhitespace(int c) {
        return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
                || c == 0x3000;
    }

    /** Normalized text of one chunk (no special pieces in it): preprocessing, then the model's charsmap. */
    public String normalize(String chunk) {
        String t = preprocess(chunk);
        return charsmap != null ? charsmap.normalizeHf(t) : t;
    }

    /** Pieces of {@code text}: added tokens (specials, CONTROL pieces) cut out of the raw text first. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (AddedTokens.Segment seg : added.split(text)) {
            if (seg.added) out.add(seg.text);
            else chunkPieces(seg.text, 0, out, null);
        }
        return out;
    }

    /** Ids and offsets (code points of {@code text}, as HF's alignments give them) of one text. */
    @Override
    public Encoding.Tokens tokens(String text) {
        List<String> pieces = new ArrayList<>();
        List<int[]> spans = new ArrayList<>();
        for (AddedTokens.Segment seg : added.split(text)) {
            int base = text.codePointCount(0, seg.start);
            if (seg.added) {
                pieces.add(seg.text);
                spans.add(new int[] {base, base + seg.text.codePointCount(0, seg.text.length())});
            } else {
                chunkPieces(seg.text, base, pieces, spans);
            }
        }
        int[] ids = new int[pieces.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = pieceToId(pieces.get(i));
        return new Encoding.Tokens(ids, spans.toArray(new int[0][]));
    }

    /** Pieces of one chunk (no added tokens in it); with {@code spans}, each piece's span too. */
    private void chunkPieces(String chunk, int base, List<String> out, List<int[]> spans) {
        if (chunk.isEmpty()) return;
        String norm = normalize(chunk);
        int[] cps = norm.codePoints().toArray();
        int[][] cpSpans = spans != null ? Alignments.albert(this, chunk, base, cps) : null;
        int i = 0, n = cps.length;
        while (i < n) {
            while (i < n && isWhitespace(cps[i])) i++;
            int start = i;
            while (i < n && !isWhitespace(cps[i])) i++;
            if (i > start) {
                wordPieces(new String(cps, start, i - start), out,
                        spans, cpSpans == null ? null : Arrays.copyOfRange(cpSpans, start, i));
            }
        }
    }

    /** HF Metaspace (prepend "always", split MergedWithNext on ▁), then Viterbi per part. */
    private void wordPieces(String word, List<String> out, List<int[]> spans, int[][] wordSpans) {
        if (!word.startsWith(UNDERLINE)) {
            word = UNDERLINE + word;
            if (wordSpans != null) {  // the inserted ▁ shares the span of the character it precedes
                int[][] w = new int[wordSpans.length + 1][];
                w[0] = wordSpans[0];
                System.arraycopy(wordSpans, 0, w, 1, wordSpans.length);
                wordSpans = w;
            }
        }
        int start = 0, cp = 0;
        while (start < word.length()) {
            int next = word.indexOf(UNDERLINE, start + 1);
            if (next < 0) next = word.length();
            Seg seg = segment(word.substring(start, next));
            for (int k = 0; k < seg.pieces.size(); k++) {
                String piece = seg.pieces.get(k);
                int before = out.size();
                if (splitDigitComma && endsWithDigitComma(piece)) {
                    splitDigitCommaPiece(piece, out);
                } else {
                    out.add(piece);
                }
                if (spans != null) {
                    int[] span = wordSpans == null ? new int[] {0, 0}
                            : new int[] {wordSpans[cp][0], wordSpans[cp + seg.lengths[k] - 1][1]};
                    for (int j = before; j < out.size(); j++) spans.add(span);
                }
                cp += seg.lengths[k];
            }
            start = next;
        }
    }

    private static boolean endsWithDigitComma(String piece) {
        int[] cps = piece.codePoints().toArray();
        return cps.length > 1 && cps[cps.length - 1] == ',' && isPythonDigit(cps[cps.length - 2]);
    }

    /** Python's {@code str.isdigit()}: Numeric_Type Decimal or Digit (approximated: Nd, or No with value 0-9). */
    static boolean isPythonDigit(int cp) {
        if (Character.getType(cp) == Character.DECIMAL_DIGIT_NUMBER) return true;
        if (Character.getType(cp) != Character.OTHER_NUMBER) return false;
        int v = Character.getNumericValue(cp);
        return v >= 0 && v <= 9;
    }

    /** Original ALBERT: "12," → pieces of "12" (without a leading ▁ if the piece had none) + ",". */
    private void splitDigitCommaPiece(String piece, List<String> out) {
        String body = piece.substring(0, piece.length() - 1).replace(UNDERLINE, "");
        List<String> cur = new ArrayList<>(viterbi(UNDERLINE + body));
        if (!piece.startsWith(UNDERLINE) && !cur.isEmpty() && cur.get(0).startsWith(UNDERLINE)) {
            String first = cur.get(0);
            if (first.codePointCount(0, first.length()) == 1) cur.remove(0);
            else cur.set(0, first.substring(UNDERLINE.length()));
        }
        out.addAll(cur);
        out.add(",");
    }

    /**
     * Best unigram segmentation of one "▁word" with HF {@code tokenizers}' tie-breaking ({@code encode_optimized}):
     * start positions left to right, a candidate replaces the best only if strictly greater, a 1-char {@code <unk>}
     * of score min_score-10 where no 1-char piece starts, consecutive {@code <unk>} fused into one.
     */
    List<String> viterbi(String word) {
        return segment(word).pieces;
    }

    private Seg segment(String word) {
        Seg cached = cache.get(word);
        if (cached != null) return cached;
        int[] cps = word.codePoints().toArray();
        int n = cps.length;
        double[] score = new double[n + 1];
        int[] backStart = new int[n + 1];
        String[] backPiece = new String[n + 1];
        Arrays.fill(score, Double.NEGATIVE_INFINITY);
        Arrays.fill(backStart, -1);
        score[0] = 0.0;
        for (int start = 0; start < n; start++) {
            if (backStart[start] < 0 && start > 0) continue;
            double base = score[start];
            boolean single = false;
            int limit = Math.min(n, start + maxPieceCodePoints);
            for (int end = start + 1; end <= limit; end++) {
                String piece = new String(cps, start, end - start);
                Integer id = vocab.get(piece);
                if (id == null) continue;
                double cand = base + scores[id];
                if (backStart[end] < 0 || cand > score[end]) {
                    score[end] = cand;
                    backStart[end] = start;
                    backPiece[end] = piece;
                }
                single = single || end == start + 1;
            }
            if (!single) {
                double cand = base + unkScore;
                if (backStart[start + 1] < 0 || cand > score[start + 1]) {
                    score[start + 1] = cand;
                    backStart[start + 1] = start;
                    backPiece[start + 1] = null;
                }
            }
        }
        List<String> pieces = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        String unk = model.piece(model.unkId());
        boolean unkRun = false;
        for (int end = n; end > 0; end = backStart[end]) {
            String piece = backPiece[end];
            int len = end - backStart[end];
            if (piece == null && unkRun) {
                lengths.set(lengths.size() - 1, lengths.get(lengths.size() - 1) + len);
            } else {
                pieces.add(piece == null ? unk : piece);
                lengths.add(len);
            }
            unkRun = piece == null;
        }
        java.util.Collections.reverse(pieces);
        java.util.Collections.reverse(lengths);
        int[] lens = new int[lengths.size()];
        for (int i = 0; i < lens.length; i++) lens[i] = lengths.get(i);
        Seg result = new Seg(java.util.Collections.unmodifiableList(pieces), lens);
        if (cache.size() < 100_000) cache.put(word, result);
        return result;
    }

    public int pieceToId(String piece) {
        Integer id = vocab.get(piece);
        return id != null ? id : model.unkId();
    }
}
