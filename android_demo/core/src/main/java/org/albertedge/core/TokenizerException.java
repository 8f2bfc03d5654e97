package org.albertedge.core;

/** A tokenizer model, config or bundle that cannot be used as given. The message is one line, fit for a user. */
public class TokenizerException extends Exception {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
