@preconcurrency import Glibc

/// Where the CLI writes: results to stdout, progress and errors to stderr, each line flushed
/// so that a parent process reading a pipe sees it at once.
package enum Console {
    package static func configure() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    package static func out(_ text: String) {
        fputs(text.hasSuffix("\n") ? text : text + "\n", stdout)
        fflush(stdout)
    }

    package static func err(_ text: String) {
        fputs(text.hasSuffix("\n") ? text : text + "\n", stderr)
    }
}
