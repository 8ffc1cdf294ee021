@preconcurrency import Glibc

/// Where the CLI writes: results to stdout, progress and errors to stderr, each line flushed
/// so that a parent process reading a pipe sees it at once.
public enum Console {
    public static func configure() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    public static func out(_ text: String) {
        fputs(text.hasSuffix("\n") ? text : text + "\n", stdout)
        fflush(stdout)
    }

    public static func err(_ text: String) {
        fputs(text.hasSuffix("\n") ? text : text + "\n", stderr)
    }
}
