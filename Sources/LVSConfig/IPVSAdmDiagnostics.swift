/// The diagnostics of one ipvsadm text. Past `ConfigDecoder.diagnosticLimit` errors, further
/// errors are only counted and one summary says how many, as for config files: a file of a
/// million bad lines must not flood a terminal or fill memory with messages.
struct IPVSAdmDiagnostics {
    let file: String
    private var kept: [Diagnostic] = []
    private var errors = 0
    private var suppressed: (count: Int, first: SourceLocation)?

    init(file: String) { self.file = file }

    var all: [Diagnostic] {
        guard let suppressed else { return kept }
        return kept + [Diagnostic(.error, file: file, at: suppressed.first,
                                  "\(suppressed.count) more errors not shown (the first here); fix the ones above first")]
    }

    mutating func error(at location: SourceLocation, _ message: String) {
        errors += 1
        if errors <= ConfigDecoder.diagnosticLimit {
            kept.append(Diagnostic(.error, file: file, at: location, message))
        } else {
            suppressed = (count: (suppressed?.count ?? 0) + 1, first: suppressed?.first ?? location)
        }
    }

    /// A line with a character no ipvsadm word holds.
    mutating func refuse(_ unprintable: IPVSAdmLine.Unprintable) {
        error(at: unprintable.location,
              "\(unprintable.name) is not allowed here: ipvsadm words are printable ASCII (a comment may hold anything after '#')")
    }

    mutating func warning(at location: SourceLocation, _ message: String) {
        if kept.count < ConfigDecoder.diagnosticLimit { kept.append(Diagnostic(.warning, file: file, at: location, message)) }
    }
}
