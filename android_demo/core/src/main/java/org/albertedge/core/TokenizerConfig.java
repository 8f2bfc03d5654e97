package org.albertedge.core;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tokenizer.json} that travels inside every artifact (docs/BUNDLE_FORMAT.md): the tokenizer kind and its
 * settings (Python's {@code tokenizer.settings}), the special ids, labels, sequence lengths and I/O names. Missing
 * keys take ALBERT's defaults.
 */
public final class TokenizerConfig {
    /** "sentencepiece" (spiece.model) or "wordpiece" (vocab.txt); bundles written before kinds existed are the former. */
    public final String kind;
    public final boolean doLowerCase, removeSpace, keepAccents, splitDigitComma;
    /** WordPiece settings: strip_accents (null: follow do_lower_case), tokenize_chinese_chars, special token strings. */
    public final Boolean stripAccents;
    public final boolean tokenizeChineseChars;
    public final int maxInputCharsPerWord;
    public final Map<String, String> specialTokens;
    public final Map<String, Integer> specialIds;
    public final List<String> labels;
    public final List<Integer> seqLens;
    public final List<String> inputs;
    public final String output;

    private TokenizerConfig(String kind, boolean doLowerCase, boolean removeSpace, boolean keepAccents,
                            boolean splitDigitComma, Boolean stripAccents, boolean tokenizeChineseChars,
                            int maxInputCharsPerWord, Map<String, String> specialTokens,
                            Map<String, Integer> specialIds, List<String> labels, List<Integer> seqLens,
                            List<String> inputs, String output) {
        this.kind = kind;
        this.stripAccents = stripAccents;
        this.tokenizeChineseChars = tokenizeChineseChars;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
        this.specialTokens = Collections.unmodifiableMap(specialTokens);
        this.doLowerCase = doLowerCase;
        this.removeSpace = removeSpace;
        this.keepAccents = keepAccents;
        this.splitDigitComma = splitDigitComma;
        this.specialIds = Collections.unmodifiableMap(specialIds);
        this.labels = Collections.unmodifiableList(labels);
        this.seqLens = Collections.unmodifiableList(seqLens);
        this.inputs = Collections.unmodifiableList(inputs);
        this.output = output;
    }

    public static TokenizerConfig parse(byte[] utf8) throws TokenizerException {
        return parse(new String(utf8, StandardCharsets.UTF_8));
    }

    public static TokenizerConfig parse(String text) throws TokenizerException {
        Map<String, Object> m;
        try {
            m = Json.parseObject(text);
        } catch (TokenizerException e) {
            throw new TokenizerException("tokenizer.json: " + e.getMessage());
        }
        Map<String, Integer> special = new LinkedHashMap<>();
        Object sp = m.get("special_ids");
        if (sp != null) {
            if (!(sp instanceof Map)) throw new TokenizerException("tokenizer.json: special_ids is not an object");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) sp).entrySet()) {
                special.put((String) e.getKey(), intValue(e.getValue(), "special_ids." + e.getKey()));
            }
        }
        List<String> labels = new ArrayList<>();
        for (Object o : list(m, "labels")) labels.add(String.valueOf(o));
        List<Integer> seqLens = new ArrayList<>();
        for (Object o : list(m, "seq_lens")) seqLens.add(intValue(o, "seq_lens"));
        List<String> inputs = new ArrayList<>();
        for (Object o : list(m, "inputs")) inputs.add(String.valueOf(o));
        if (inputs.isEmpty()) inputs = List.of("input_ids", "attention_mask");
        Object out = m.get("output");
        Object kind = m.getOrDefault("kind", "sentencepiece");
        if (!"sentencepiece".equals(kind) && !"wordpiece".equals(kind)) {
            throw new TokenizerException("tokenizer.json: tokenizer kind " + kind
                    + " is not supported (sentencepiece, wordpiece)");
        }
        Object strip = m.get("strip_accents");
        if (strip != null && !(strip instanceof Boolean)) {
            throw new TokenizerException("tokenizer.json: strip_accents is not true/false/null");
        }
        Map<String, String> tokens = new LinkedHashMap<>();
        Object st = m.get("special_tokens");
        if (st != null) {
            if (!(st instanceof Map)) throw new TokenizerException("tokenizer.json: special_tokens is not an object");
            for (Map.Entry<?, ?> e : ((Map<?, ?>) st).entrySet()) {
                if (!(e.getValue() instanceof String)) {
                    throw new TokenizerException("tokenizer.json: special_tokens." + e.getKey() + " is not a string");
                }
                tokens.put((String) e.getKey(), (String) e.getValue());
            }
        }
        Object maxChars = m.get("max_input_chars_per_word");
        return new TokenizerConfig((String) kind, bool(m, "do_lower_case", true), bool(m, "remove_space", true),
                bool(m, "keep_accents", false), bool(m, "split_digit_comma", false), (Boolean) strip,
                bool(m, "tokenize_chinese_chars", true),
                maxChars == null ? 100 : intValue(maxChars, "max_input_chars_per_word"), tokens, special, labels,
                seqLens, inputs, out instanceof String ? (String) out : "logits");
    }

    private static boolean bool(Map<String, Object> m, String key, boolean dflt) throws TokenizerException {
        Object v = m.get(key);
        if (v == null) return dflt;
        if (!(v instanceof Boolean)) throw new TokenizerException("tokenizer.json: " + key + " is not true/false");
        return (Boolean) v;
    }

    private static List<?> list(Map<String, Object> m, String key) throws TokenizerException {
        Object v = m.get(key);
        if (v == null) return List.of();
        if (!(v instanceof List)) throw new TokenizerException("tokenizer.json: " + key + " is not a list");
        return (List<?>) v;
    }

    private static int intValue(Object v, String what) throws TokenizerException {
        if (v instanceof Long && (Long) v >= Integer.MIN_VALUE && (Long) v <= Integer.MAX_VALUE) {
            return (int) (long) (Long) v;
        }
        throw new TokenizerException("tokenizer.json: " + what + " is not an integer");
    }

    /** The tokenizer of this kind and these settings over its file (spiece.model or vocab.txt bytes). */
    public Tokenizer tokenizer(byte[] file) throws TokenizerException {
        if ("wordpiece".equals(kind)) {
            WordPieceTokenizer.Options o = new WordPieceTokenizer.Options();
            o.doLowerCase = doLowerCase;
            o.stripAccents = stripAccents;
            o.tokenizeChineseChars = tokenizeChineseChars;
            o.maxInputCharsPerWord = maxInputCharsPerWord;
            o.specialTokens.putAll(specialTokens);
            WordPieceTokenizer t = new WordPieceTokenizer(file, o);
            for (Map.Entry<String, Integer> e : specialIds.entrySet()) {
                if (!e.getValue().equals(t.specialIds().get(e.getKey()))) {
                    throw new TokenizerException("tokenizer.json says " + e.getKey() + "=" + e.getValue()
                            + " but vocab.txt has it at " + t.specialIds().get(e.getKey())
                            + ": vocabulary and config do not match");
                }
            }
            return t;
        }
        return AlbertTokenizer.fromBundle(file, this);
    }

    /** The sequence length to run with: the longest of seq_lens, else {@code fallback}. */
    public int maxSeqLen(int fallback) {
        int best = 0;
        for (int l : seqLens) best = Math.max(best, l);
        return best > 0 ? best : fallback;
    }
}
