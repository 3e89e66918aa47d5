import Testing

/// The suites that send real HTTP through `URLSessionTransport` to a `LoopbackHTTPServer`, run one test at a time.
///
/// FoundationNetworking drives every exchange of the process through one
/// libcurl multi handle; with a dozen of these tests at once (hung servers,
/// cancels, refused connections, endless bodies) beside the rest of the
/// suite, an exchange was now and then held for 10 s or more inside it, or
/// ended as a bad answer, and a test's wait ran out. One at a time they take
/// about as long in all, and what each proves (a timeout, a cancel, a size
/// limit) is about droprun, not about that contention.
@Suite(.serialized) enum RealHTTP {}
