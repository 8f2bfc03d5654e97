package org.albertedge.core;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;

/**
 * {@code tokenize.sh SPIECE_MODEL TEXT_FILE}: one JSON array of ids per line of TEXT_FILE ({@code [CLS] … [SEP]}, no
 * truncation or padding, ALBERT defaults). Lines are split on {@code \n} only (a trailing newline ends the last line,
 * it does not start an empty one). Errors: one line on stderr, exit 2. Options (for parity tests of the other
 * settings): --no-lower-case, --keep-accents, --split-digit-comma. A {@code .tflite} in place of the model uses the
 * tokenizer carried in its appended zip, with that bundle's tokenizer.json settings (options ignored).
 */
public final class TokenizeCli {
    static final String USAGE = "usage: tokenize.sh [--no-lower-case] [--keep-accents] [--split-digit-comma] "
            + "SPIECE_MODEL TEXT_FILE";

    public static void main(String[] args) {
        try {
            System.exit(run(args));
        } catch (TokenizerException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        } catch (IllegalStateException e) { // a corrupt charsmap trie found while normalizing
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args) throws TokenizerException {
        boolean lower = true, keepAccents = false, splitDigitComma = false;
        java.util.List<String> pos = new java.util.ArrayList<>();
        for (String a : args) {
            switch (a) {
                case "--no-lower-case": lower = false; break;
                case "--keep-accents": keepAccents = true; break;
                case "--split-digit-comma": splitDigitComma = true; break;
                default:
                    if (a.startsWith("--")) {
                        System.err.println("error: unknown option " + a + "; " + USAGE);
                        return 2;
                    }
                    pos.add(a);
            }
        }
        if (pos.size() != 2) {
            System.err.println(USAGE);
            return 2;
        }
        String modelPath = pos.get(0), textPath = pos.get(1);
        AlbertTokenizer tok;
        try {
            byte[] model = readFile(modelPath, "SentencePiece model");
            if (modelPath.endsWith(".tflite")) {
                // The artifact's own tokenizer: spiece.model + tokenizer.json settings from the appended zip.
                tok = TokenizerBundle.fromTflite(model).tokenizer();
            } else {
                tok = new AlbertTokenizer(SentencePieceModel.parse(model), lower, keepAccents, splitDigitComma);
            }
        } catch (TokenizerException e) {
            throw new TokenizerException(modelPath + ": " + e.getMessage());
        }
        byte[] text = readFile(textPath, "text file");
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        try {
            int start = 0, lineNo = 0;
            while (start < text.length) {
                int end = start;
                while (end < text.length && text[end] != '\n') end++;
                lineNo++;
                String line;
                try {
                    line = dec.decode(ByteBuffer.wrap(text, start, end - start)).toString();
                } catch (CharacterCodingException e) {
                    out.flush();
                    throw new TokenizerException(textPath + ": line " + lineNo + " is not valid UTF-8");
                }
                out.write(Json.intArray(tok.encode(line)));
                out.write('\n');
                start = end + 1;
            }
            out.flush();
        } catch (IOException e) {
            throw new TokenizerException("cannot write output (" + e.getMessage() + ")");
        }
        return 0;
    }

    private static byte[] readFile(String path, String what) throws TokenizerException {
        try {
            return Files.readAllBytes(Paths.get(path));
        } catch (NoSuchFileException e) {
            throw new TokenizerException(path + ": " + what + " not found");
        } catch (IOException | RuntimeException e) {
            throw new TokenizerException(path + ": cannot read " + what + " (" + e.getMessage() + ")");
        }
    }
}
