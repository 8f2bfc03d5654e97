package org.albertedge.core;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BERT WordPiece tokenization ({@code vocab.txt}, as the Chinese ALBERT checkpoints use it), id for id what
 * transformers 5 {@code BertTokenizer} (HF {@code tokenizers}) gives. Pure Java, no Android imports.
 *
 * <p>Pipeline: the special tokens cut out of the raw text; per chunk, per code point, HF BertNormalizer (drop NUL,
 * U+FFFD and control characters (Cc Cf Co Cs but tab/newline/CR; unassigned ones stay), whitespace → space, spaces around CJK
 * ideographs, NFD + drop Mn when stripping accents, lowercase), BertPreTokenizer (split on whitespace, every
 * punctuation character its own word), greedy longest-match WordPiece with {@code ##} continuations, {@code [UNK]} for
 * a word it cannot cover or longer than max_input_chars_per_word. Offsets in code points of the original text.
 * The tables below list the code points where the JDK's Unicode data and the (older) tables compiled into HF
 * {@code tokenizers} 0.22 disagree, found by comparing every code point.
 */
public final class WordPieceTokenizer implements Tokenizer {
    private static final String[] ROLES = {"pad", "unk", "cls", "sep", "mask"};
    private static final String[] DEFAULT_TOKENS = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

    /** Settings (tokenizer_config.json / bundle tokenizer.json). strip_accents null: follow do_lower_case. */
    public static final class Options {
        public boolean doLowerCase = true;
        public Boolean stripAccents = null;
        public boolean tokenizeChineseChars = true;
        public int maxInputCharsPerWord = 100;
        public final Map<String, String> specialTokens = new LinkedHashMap<>();
    }

    private final Map<String, Integer> vocab;
    private final int lines;
    private final Options options;
    private final boolean strip;
    private final Map<String, Integer> specialIds = new LinkedHashMap<>();
    private final AddedTokens added;
    private final String unkToken;

    public WordPieceTokenizer(byte[] vocabTxt, Options options) throws TokenizerException {
        this.options = options;
        this.strip = options.stripAccents != null ? options.stripAccents : options.doLowerCase;
        if (options.maxInputCharsPerWord < 1) {
            throw new TokenizerException("max_input_chars_per_word " + options.maxInputCharsPerWord
                    + " is not a positive integer");
        }
        vocab = parseVocab(vocabTxt);
        int max = -1;
        for (int id : vocab.values()) max = Math.max(max, id);
        lines = max + 1;
        List<String> tokens = new ArrayList<>();
        for (int r = 0; r < ROLES.length; r++) {
            String tok = options.specialTokens.getOrDefault(ROLES[r], DEFAULT_TOKENS[r]);
            Integer id = vocab.get(tok);
            if (id == null) {
                throw new TokenizerException("vocab.txt has no " + tok
                        + " token; a BERT vocabulary needs [PAD] [UNK] [CLS] [SEP] [MASK]");
            }
            specialIds.put(ROLES[r], id);
            tokens.add(tok);
        }
        unkToken = tokens.get(1);
        added = new AddedTokens(tokens);
    }

    /** vocab.txt as HF's load_vocab reads it: UTF-8, universal newlines, a repeated token keeps its last id. */
    static Map<String, Integer> parseVocab(byte[] data) throws TokenizerException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new TokenizerException("vocab.txt is not UTF-8 text");
        }
        Map<String, Integer> vocab = new HashMap<>();
        int id = 0, start = 0, n = text.length();
        while (start < n) {
            int end = start;
            while (end < n && text.charAt(end) != '\n' && text.charAt(end) != '\r') end++;
            vocab.put(text.substring(start, end), id++);
            if (end < n && text.charAt(end) == '\r' && end + 1 < n && text.charAt(end + 1) == '\n') end++;
            start = end + 1;
        }
        if (vocab.isEmpty()) throw new TokenizerException("vocab.txt is empty");
        return vocab;
    }

    @Override public String kind() { return "wordpiece"; }
    @Override public int vocabSize() { return lines; }
    @Override public int specialId(String role) { return specialIds.get(role); }
    @Override public Map<String, Integer> specialIds() { return new LinkedHashMap<>(specialIds); }

    // -- per code point predicates, as HF tokenizers' bert normalizer / pre-tokenizer -----------------------------

    /** BertNormalizer clean_text: NUL, U+FFFD and "other" (Cc Cf Co Cs) characters go, but tab/newline/CR. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        if (Arrays.binarySearch(CONTROL_FLIP, cp) >= 0) return !isOther(cp);
        return isOther(cp);
    }

    private static boolean isOther(int cp) {
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE
                || t == Character.SURROGATE;
    }

    static boolean isWhitespace(int cp) {
        return AlbertTokenizer.isWhitespace(cp);
    }

    static boolean isChinese(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B920 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** BertPreTokenizer: ASCII punctuation or Unicode general category P*. */
    static boolean isPunctuation(int cp) {
        boolean p;
        if (cp < 0x80) {
            p = (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
        } else {
            int t = Character.getType(cp);
            p = t == Character.CONNECTOR_PUNCTUATION || t == Character.DASH_PUNCTUATION
                    || t == Character.START_PUNCTUATION || t == Character.END_PUNCTUATION
                    || t == Character.INITIAL_QUOTE_PUNCTUATION || t == Character.FINAL_QUOTE_PUNCTUATION
                    || t == Character.OTHER_PUNCTUATION;
        }
        return Arrays.binarySearch(PUNCT_FLIP, cp) >= 0 ? !p : p;
    }

    /** NFD of one code point as HF's table has it (U+11938 has no decomposition there). */
    static String nfd(int cp) {
        String one = new String(Character.toChars(cp));
        return Arrays.binarySearch(AlbertTokenizer.NFKD_HF_KEEPS, cp) >= 0 ? one
                : Normalizer.normalize(one, Normalizer.Form.NFD);
    }

    /** A nonspacing mark (Mn) as HF's StripAccents knows it. */
    static boolean isNonspacingMark(int cp) {
        boolean mn = Character.getType(cp) == Character.NON_SPACING_MARK;
        return Arrays.binarySearch(MN_FLIP, cp) >= 0 ? !mn : mn;
    }

    private static boolean isMark(int cp) {
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK || t == Character.ENCLOSING_MARK;
    }

    /**
     * BertNormalizer over one chunk, code point by code point, each output code point paired with the index (in
     * code points) of the source code point it came from. With accent stripping, NFD's canonical reordering of
     * adjacent marks moves the characters but not the positions, as HF's alignments do.
     */
    private void normalize(String text, int base, List<Integer> cps, List<Integer> src) {
        int pos = base;
        for (int i = 0; i < text.length(); pos++) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
            if (cp == '\t' || cp == '\n' || cp == '\r' || isWhitespace(cp)) {
                cps.add((int) ' ');
                src.add(pos);
                continue;
            }
            boolean cjk = options.tokenizeChineseChars && isChinese(cp);
            if (cjk) {
                cps.add((int) ' ');
                src.add(pos);
            }
            String d = strip ? nfd(cp) : new String(Character.toChars(cp));
            for (int j = 0; j < d.length(); j += Character.charCount(d.codePointAt(j))) {
                cps.add(d.codePointAt(j));
                src.add(pos);
            }
            if (cjk) {
                cps.add((int) ' ');
                src.add(pos);
            }
        }
        if (strip) {
            for (int i = 1; i < cps.size(); i++) {  // canonical ordering: a stable sort of mark runs by class
                for (int j = i; j > 0 && isMark(cps.get(j - 1)) && isMark(cps.get(j)); j--) {
                    String ab = new String(Character.toChars(cps.get(j - 1))) + new String(Character.toChars(cps.get(j)));
                    String ba = new String(Character.toChars(cps.get(j))) + new String(Character.toChars(cps.get(j - 1)));
                    if (ab.equals(ba) || !Normalizer.normalize(ab, Normalizer.Form.NFD).equals(ba)) break;
                    int t = cps.get(j);
                    cps.set(j, cps.get(j - 1));
                    cps.set(j - 1, t);
                }
            }
            for (int i = cps.size() - 1; i >= 0; i--) {
                if (isNonspacingMark(cps.get(i))) {
                    cps.remove(i);
                    src.remove(i);
                }
            }
        }
        if (options.doLowerCase) {
            List<Integer> lc = new ArrayList<>(), ls = new ArrayList<>();
            for (int i = 0; i < cps.size(); i++) {
                String l = AlbertTokenizer.lower(new String(Character.toChars(cps.get(i))));
                for (int j = 0; j < l.length(); j += Character.charCount(l.codePointAt(j))) {
                    lc.add(l.codePointAt(j));
                    ls.add(src.get(i));
                }
            }
            cps.clear();
            cps.addAll(lc);
            src.clear();
            src.addAll(ls);
        }
    }

    // -- tokenization ---------------------------------------------------------------------------------------------

    @Override
    public Encoding.Tokens tokens(String text) {
        List<Integer> ids = new ArrayList<>();
        List<int[]> offsets = new ArrayList<>();
        for (AddedTokens.Segment seg : added.split(text)) {
            int cpStart = text.codePointCount(0, seg.start);
            if (seg.added) {
                ids.add(vocab.get(seg.text));
                offsets.add(new int[] {cpStart, cpStart + seg.text.codePointCount(0, seg.text.length())});
            } else {
                chunk(seg.text, cpStart, ids, offsets);
            }
        }
        return Encoding.Tokens.of(ids, offsets);
    }

    /** One chunk (no special tokens in it): normalize, split on whitespace and punctuation, WordPiece per word. */
    private void chunk(String text, int base, List<Integer> ids, List<int[]> offsets) {
        List<Integer> cps = new ArrayList<>(), src = new ArrayList<>();
        normalize(text, base, cps, src);
        List<Integer> word = new ArrayList<>();
        List<Integer> wordSrc = new ArrayList<>();
        for (int i = 0; i < cps.size(); i++) {
            int c = cps.get(i);
            if (c == ' ' || isWhitespace(c)) {
                flush(word, wordSrc, ids, offsets);
            } else if (isPunctuation(c)) {
                flush(word, wordSrc, ids, offsets);
                word.add(c);
                wordSrc.add(src.get(i));
                flush(word, wordSrc, ids, offsets);
            } else {
                word.add(c);
                wordSrc.add(src.get(i));
            }
        }
        flush(word, wordSrc, ids, offsets);
    }

    /** Greedy longest-match WordPiece of one word; the whole word is [UNK] if any part cannot be matched. */
    private void flush(List<Integer> word, List<Integer> src, List<Integer> ids, List<int[]> offsets) {
        int n = word.size();
        if (n == 0) return;
        int[] cps = new int[n];
        for (int i = 0; i < n; i++) cps[i] = word.get(i);
        int wordStart = src.get(0), wordEnd = src.get(n - 1) + 1;
        List<Integer> got = new ArrayList<>();
        List<int[]> gotOff = new ArrayList<>();
        boolean bad = n > options.maxInputCharsPerWord;
        for (int start = 0; start < n && !bad; ) {
            int end = n;
            Integer id = null;
            while (end > start) {
                String sub = new String(cps, start, end - start);
                id = vocab.get(start > 0 ? "##" + sub : sub);
                if (id != null) break;
                end--;
            }
            if (id == null) {
                bad = true;
                break;
            }
            got.add(id);
            gotOff.add(new int[] {src.get(start), src.get(end - 1) + 1});
            start = end;
        }
        if (bad) {
            ids.add(vocab.get(unkToken));
            offsets.add(new int[] {wordStart, wordEnd});
        } else {
            ids.addAll(got);
            offsets.addAll(gotOff);
        }
        word.clear();
        src.clear();
    }

    // Code points where the JDK's Unicode data and HF tokenizers' tables disagree (sorted; see the class comment).
    /** Format/control characters HF's table does not know as such (kept by clean_text). */
    static final int[] CONTROL_FLIP = {
        0x8E2, 0x110CD, 0x13430, 0x13431, 0x13432, 0x13433, 0x13434, 0x13435, 0x13436, 0x13437, 0x13438
    };
    /** Code points whose punctuation status differs between the JDK and HF's table. */
    static final int[] PUNCT_FLIP = {
        0x9FD, 0xA76, 0xC77, 0xC84, 0x166D, 0x2E43, 0x2E44, 0x2E45, 0x2E46, 0x2E47, 0x2E48, 0x2E49, 0x2E4A, 0x2E4B,
        0x2E4C, 0x2E4D, 0x2E4E, 0x2E4F, 0x2E52, 0x10EAD, 0x10F55, 0x10F56, 0x10F57, 0x10F58, 0x10F59, 0x111C9,
        0x1144B, 0x1144C, 0x1144D, 0x1144E, 0x1144F, 0x1145A, 0x1145B, 0x1145D, 0x11660, 0x11661, 0x11662, 0x11663,
        0x11664, 0x11665, 0x11666, 0x11667, 0x11668, 0x11669, 0x1166A, 0x1166B, 0x1166C, 0x1183B, 0x11944, 0x11945,
        0x11946, 0x119E2, 0x11A3F, 0x11A40, 0x11A41, 0x11A42, 0x11A43, 0x11A44, 0x11A45, 0x11A46, 0x11A9A, 0x11A9B,
        0x11A9C, 0x11A9E, 0x11A9F, 0x11AA0, 0x11AA1, 0x11AA2, 0x11C41, 0x11C42, 0x11C43, 0x11C44, 0x11C45, 0x11C70,
        0x11C71, 0x11EF7, 0x11EF8, 0x11FFF, 0x16E97, 0x16E98, 0x16E99, 0x16E9A, 0x16FE2, 0x1E95E, 0x1E95F
    };
    /** Nonspacing marks (JDK) that HF's StripAccents keeps: its table predates them. */
    static final int[] MN_FLIP = {
        0x7FD, 0x8D3, 0x8D4, 0x8D5, 0x8D6, 0x8D7, 0x8D8, 0x8D9, 0x8DA, 0x8DB, 0x8DC, 0x8DD, 0x8DE, 0x8DF, 0x8E0,
        0x8E1, 0x9FE, 0xAFA, 0xAFB, 0xAFC, 0xAFD, 0xAFE, 0xAFF, 0xB55, 0xC04, 0xD00, 0xD3B, 0xD3C, 0xD81, 0xEBA,
        0x1885, 0x1886, 0x1ABF, 0x1AC0, 0x1DF6, 0x1DF7, 0x1DF8, 0x1DF9, 0x1DFB, 0xA82C, 0xA8C5, 0xA8FF, 0xA9BD,
        0x10D24, 0x10D25, 0x10D26, 0x10D27, 0x10EAB, 0x10EAC, 0x10F46, 0x10F47, 0x10F48, 0x10F49, 0x10F4A, 0x10F4B,
        0x10F4C, 0x10F4D, 0x10F4E, 0x10F4F, 0x10F50, 0x111C9, 0x111CF, 0x1123E, 0x1133B, 0x11438, 0x11439, 0x1143A,
        0x1143B, 0x1143C, 0x1143D, 0x1143E, 0x1143F, 0x11442, 0x11443, 0x11444, 0x11446, 0x1145E, 0x1182F, 0x11830,
        0x11831, 0x11832, 0x11833, 0x11834, 0x11835, 0x11836, 0x11837, 0x11839, 0x1183A, 0x11938, 0x1193B, 0x1193C,
        0x1193E, 0x11943, 0x119D4, 0x119D5, 0x119D6, 0x119D7, 0x119DA, 0x119DB, 0x119E0, 0x11A01, 0x11A02, 0x11A03,
        0x11A04, 0x11A05, 0x11A06, 0x11A07, 0x11A08, 0x11A09, 0x11A0A, 0x11A33, 0x11A34, 0x11A35, 0x11A36, 0x11A37,
        0x11A38, 0x11A3B, 0x11A3C, 0x11A3D, 0x11A3E, 0x11A47, 0x11A51, 0x11A52, 0x11A53, 0x11A54, 0x11A55, 0x11A56,
        0x11A59, 0x11A5A, 0x11A5B, 0x11A8A, 0x11A8B, 0x11A8C, 0x11A8D, 0x11A8E, 0x11A8F, 0x11A90, 0x11A91, 0x11A92,
        0x11A93, 0x11A94, 0x11A95, 0x11A96, 0x11A98, 0x11A99, 0x11C30, 0x11C31, 0x11C32, 0x11C33, 0x11C34, 0x11C35,
        0x11C36, 0x11C38, 0x11C39, 0x11C3A, 0x11C3B, 0x11C3C, 0x11C3D, 0x11C3F, 0x11C92, 0x11C93, 0x11C94, 0x11C95,
        0x11C96, 0x11C97, 0x11C98, 0x11C99, 0x11C9A, 0x11C9B, 0x11C9C, 0x11C9D, 0x11C9E, 0x11C9F, 0x11CA0, 0x11CA1,
        0x11CA2, 0x11CA3, 0x11CA4, 0x11CA5, 0x11CA6, 0x11CA7, 0x11CAA, 0x11CAB, 0x11CAC, 0x11CAD, 0x11CAE, 0x11CAF,
        0x11CB0, 0x11CB2, 0x11CB3, 0x11CB5, 0x11CB6, 0x11D31, 0x11D32, 0x11D33, 0x11D34, 0x11D35, 0x11D36, 0x11D3A,
        0x11D3C, 0x11D3D, 0x11D3F, 0x11D40, 0x11D41, 0x11D42, 0x11D43, 0x11D44, 0x11D45, 0x11D47, 0x11D90, 0x11D91,
        0x11D95, 0x11D97, 0x11EF3, 0x11EF4, 0x16F4F, 0x16FE4, 0x1E000, 0x1E001, 0x1E002, 0x1E003, 0x1E004, 0x1E005,
        0x1E006, 0x1E008, 0x1E009, 0x1E00A, 0x1E00B, 0x1E00C, 0x1E00D, 0x1E00E, 0x1E00F, 0x1E010, 0x1E011, 0x1E012,
        0x1E013, 0x1E014, 0x1E015, 0x1E016, 0x1E017, 0x1E018, 0x1E01B, 0x1E01C, 0x1E01D, 0x1E01E, 0x1E01F, 0x1E020,
        0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E027, 0x1E028, 0x1E029, 0x1E02A, 0x1E130, 0x1E131, 0x1E132, 0x1E133,
        0x1E134, 0x1E135, 0x1E136, 0x1E2EC, 0x1E2ED, 0x1E2EE, 0x1E2EF, 0x1E944, 0x1E945, 0x1E946, 0x1E947, 0x1E948,
        0x1E949, 0x1E94A
    };
}
