package org.albertedge.core;

import java.util.Map;

/**
 * What the app needs from either tokenizer kind ({@link AlbertTokenizer}: SentencePiece, {@link WordPieceTokenizer}:
 * BERT WordPiece), each id for id what transformers 5 gives for the same files and settings.
 */
public interface Tokenizer {
    /** "sentencepiece" or "wordpiece". */
    String kind();

    int vocabSize();

    /** Id of a special role: pad, unk, cls, sep, mask (always read from the vocabulary). */
    int specialId(String role);

    Map<String, Integer> specialIds();

    /** Ids (and offsets, where tracked) of one text without special tokens. */
    Encoding.Tokens tokens(String text);

    /**
     * {@code [CLS] A [SEP] (B [SEP])}; pair may be null (an empty pair counts as none, as in HF); maxLength &le; 0: no
     * truncation; padding to maxLength with the pad id and attention mask 0.
     */
    default Encoding encode(String text, String pair, int maxLength, boolean padding) {
        Encoding.Tokens b = pair == null || pair.isEmpty() ? null : tokens(pair);
        return Encoding.build(tokens(text), b, maxLength, padding, specialId("cls"), specialId("sep"),
                specialId("pad"));
    }

    default Encoding encode(String text, int maxLength, boolean padding) {
        return encode(text, null, maxLength, padding);
    }

    /** {@code [CLS] pieces [SEP]} ids, no truncation or padding. */
    default int[] encode(String text) {
        return encode(text, null, 0, false).ids;
    }
}
