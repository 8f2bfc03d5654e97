package org.albertedge.core;

/**
 * Id → piece of a bundled tokenizer (HF's {@code convert_ids_to_tokens}), the token strings per-token output shows
 * and word spans read ("▁" opens a SentencePiece word, "##" continues a WordPiece one). One difference from the
 * pieces HF's encoder reports: a SentencePiece {@code <unk>} shows as {@code <unk>} here, as the text it covers there.
 */
public final class Vocabulary {
    private Vocabulary() {}

    public static String[] of(TokenizerBundle bundle) throws TokenizerException {
        if ("wordpiece".equals(bundle.config.kind)) {
            java.util.Map<String, Integer> vocab = WordPieceTokenizer.parseVocab(bundle.file);
            int size = 0;
            for (int id : vocab.values()) size = Math.max(size, id + 1);
            String[] out = new String[size];
            for (java.util.Map.Entry<String, Integer> e : vocab.entrySet()) out[e.getValue()] = e.getKey();
            return out;
        }
        SentencePieceModel m = SentencePieceModel.parse(bundle.file);
        String[] out = new String[m.size()];
        for (int i = 0; i < out.length; i++) out[i] = m.piece(i);
        return out;
    }
}
