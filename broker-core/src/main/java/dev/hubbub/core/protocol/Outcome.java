package dev.hubbub.core.protocol;

import java.util.Objects;
import java.util.function.Function;

/** A value or an {@link ErrorInfo}: how core reports a rejection without throwing. */
public final class Outcome<T> {
    private final T value;
    private final ErrorInfo error;

    private Outcome(T value, ErrorInfo error) {
        this.value = value;
        this.error = error;
    }

    public static <T> Outcome<T> ok(T value) { return new Outcome<>(Objects.requireNonNull(value, "value"), null); }

    public static <T> Outcome<T> fail(ErrorInfo error) { return new Outcome<>(null, Objects.requireNonNull(error, "error")); }

    public static <T> Outcome<T> fail(ErrorCode code, String message) { return fail(code.info(message)); }

    public boolean isOk() { return error == null; }

    public T value() {
        if (error != null) {
            throw new IllegalStateException("no value: " + error.message());
        }
        return value;
    }

    public ErrorInfo error() { return error; }

    public <R> Outcome<R> map(Function<T, R> f) { return isOk() ? ok(f.apply(value)) : fail(error); }

    public <R> Outcome<R> flatMap(Function<T, Outcome<R>> f) { return isOk() ? f.apply(value) : fail(error); }

    @Override
    public String toString() { return isOk() ? "ok(" + value + ")" : "fail(" + error + ")"; }
}
