package org.albertedge.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A SentencePiece {@code .model} file (a serialized {@code ModelProto}), parsed by hand from the protobuf wire format.
 *
 * <p>Only what tokenization needs is kept: field 1 (repeated {@code SentencePiece {1: piece, 2: score, 3: type}}) and
 * field 3 ({@code NormalizerSpec {1: name, 2: precompiled_charsmap, 3: add_dummy_prefix, 4: remove_extra_whitespaces,
 * 5: escape_whitespaces}}). Every other field is skipped by its wire type. Anything that is not a well-formed model
 * (truncated data, bad wire types, no pieces, no {@code <unk>}) raises {@link TokenizerException}.
 */
public final class SentencePieceModel {
    /** {@code SentencePiece.Type}. */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private final String[] pieces;
    private final float[] scores;
    private final int[] types;
    private final int unkId;
    private final String normalizerName;
    private final byte[] precompiledCharsmap;
    private final boolean addDummyPrefix, removeExtraWhitespaces, escapeWhitespaces;

    private SentencePieceModel(List<String> pieces, List<Float> scores, List<Integer> types, String normalizerName,
                               byte[] charsmap, boolean addDummyPrefix, boolean removeExtraWhitespaces,
                               boolean escapeWhitespaces) throws TokenizerException {
        int n = pieces.size();
        this.pieces = pieces.toArray(new String[0]);
        this.scores = new float[n];
        this.types = new int[n];
        int unk = -1;
        for (int i = 0; i < n; i++) {
            this.scores[i] = scores.get(i);
            this.types[i] = types.get(i);
            if (this.types[i] == UNKNOWN) {
                if (unk >= 0) throw new TokenizerException("not a SentencePiece model (more than one <unk> piece)");
                unk = i;
            }
        }
        if (unk < 0) throw new TokenizerException("not a SentencePiece model (no <unk> piece)");
        this.unkId = unk;
        this.normalizerName = normalizerName;
        this.precompiledCharsmap = charsmap;
        this.addDummyPrefix = addDummyPrefix;
        this.removeExtraWhitespaces = removeExtraWhitespaces;
        this.escapeWhitespaces = escapeWhitespaces;
    }

    /** Parses the bytes of a {@code .model} file. */
    public static SentencePieceModel parse(byte[] data) throws TokenizerException {
        if (data == null || data.length == 0) throw new TokenizerException("not a SentencePiece model (empty file)");
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        String name = "";
        byte[] charsmap = new byte[0];
        boolean addDummy = true, removeWs = true, escapeWs = true;
        try {
            Reader r = new Reader(data, 0, data.length);
            while (r.more()) {
                long key = r.varint();
                int field = (int) (key >>> 3), wire = (int) (key & 7);
                if (field == 1 && wire == 2) {
                    Reader p = r.sub();
                    String piece = null;
                    float score = 0f;
                    int type = NORMAL;
                    while (p.more()) {
                        long k = p.varint();
                        int f = (int) (k >>> 3), w = (int) (k & 7);
                        if (f == 1 && w == 2) piece = p.string();
                        else if (f == 2 && w == 5) score = Float.intBitsToFloat(p.fixed32());
                        else if (f == 3 && w == 0) type = (int) p.varint();
                        else p.skip(w);
                    }
                    if (piece == null) throw new TokenizerException("not a SentencePiece model (a piece without text)");
                    if (type < NORMAL || type > BYTE) {
                        throw new TokenizerException("not a SentencePiece model (piece type " + type + ")");
                    }
                    pieces.add(piece);
                    scores.add(score);
                    types.add(type);
                } else if (field == 3 && wire == 2) {
                    Reader s = r.sub();
                    while (s.more()) {
                        long k = s.varint();
                        int f = (int) (k >>> 3), w = (int) (k & 7);
                        if (f == 1 && w == 2) name = s.string();
                        else if (f == 2 && w == 2) charsmap = s.bytes();
                        else if (f == 3 && w == 0) addDummy = s.varint() != 0;
                        else if (f == 4 && w == 0) removeWs = s.varint() != 0;
                        else if (f == 5 && w == 0) escapeWs = s.varint() != 0;
                        else s.skip(w);
                    }
                } else if (field == 0) {
                    throw new TokenizerException("not a SentencePiece model (field number 0)");
                } else {
                    r.skip(wire);
                }
            }
        } catch (IndexOutOfBoundsException e) {
            throw new TokenizerException("not a SentencePiece model (truncated or corrupt protobuf)");
        }
        if (pieces.isEmpty()) throw new TokenizerException("not a SentencePiece model (no pieces)");
        SentencePieceModel m = new SentencePieceModel(pieces, scores, types, name, charsmap, addDummy, removeWs,
                escapeWs);
        if (charsmap.length > 0) PrecompiledCharsmap.parse(charsmap); // validate early: a clear error at load time
        return m;
    }

    public int size() { return pieces.length; }
    public String piece(int id) { return pieces[id]; }
    public float score(int id) { return scores[id]; }
    public int type(int id) { return types[id]; }
    public int unkId() { return unkId; }
    public String normalizerName() { return normalizerName; }
    public byte[] precompiledCharsmap() { return precompiledCharsmap.clone(); }
    public boolean addDummyPrefix() { return addDummyPrefix; }
    public boolean removeExtraWhitespaces() { return removeExtraWhitespaces; }
    public boolean escapeWhitespaces() { return escapeWhitespaces; }

    /** Id of {@code piece}, or -1. Linear; use {@link AlbertTokenizer} for hot paths. */
    public int indexOf(String piece) {
        return Arrays.asList(pieces).indexOf(piece);
    }

    /** Protobuf wire-format reader over {@code data[pos, end)}; out-of-range reads raise IndexOutOfBounds. */
    private static final class Reader {
        private final byte[] data;
        private int pos;
        private final int end;

        Reader(byte[] data, int pos, int end) {
            this.data = data;
            this.pos = pos;
            this.end = end;
        }

        boolean more() { return pos < end; }

        private byte next() {
            if (pos >= end) throw new IndexOutOfBoundsException();
            return data[pos++];
        }

        long varint() throws TokenizerException {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = next();
                v |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw new TokenizerException("not a SentencePiece model (malformed varint)");
        }

        int fixed32() {
            if (end - pos < 4) throw new IndexOutOfBoundsException();
            int v = ByteBuffer.wrap(data, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            pos += 4;
            return v;
        }

        private int length() throws TokenizerException {
            long n = varint();
            if (n < 0 || n > end - pos) throw new IndexOutOfBoundsException();
            return (int) n;
        }

        Reader sub() throws TokenizerException {
            int n = length();
            Reader r = new Reader(data, pos, pos + n);
            pos += n;
            return r;
        }

        byte[] bytes() throws TokenizerException {
            int n = length();
            byte[] out = Arrays.copyOfRange(data, pos, pos + n);
            pos += n;
            return out;
        }

        String string() throws TokenizerException {
            byte[] b = bytes();
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw new TokenizerException("not a SentencePiece model (a string that is not UTF-8)");
            }
        }

        void skip(int wire) throws TokenizerException {
            switch (wire) {
                case 0: varint(); break;
                case 1: if (end - pos < 8) throw new IndexOutOfBoundsException(); pos += 8; break;
                case 2: { int n = length(); pos += n; break; }
                case 5: if (end - pos < 4) throw new IndexOutOfBoundsException(); pos += 4; break;
                default: throw new TokenizerException("not a SentencePiece model (protobuf wire type " + wire + ")");
            }
        }
    }
}
