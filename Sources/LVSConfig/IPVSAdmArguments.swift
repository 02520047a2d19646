/// Why one line of ipvsadm input was rejected: where, and what. The line is skipped and the
/// others are still read, so one run reports every bad line.
struct IPVSAdmLineError: Error {
    var location: SourceLocation
    var message: String

    init(_ token: IPVSAdmToken, _ message: String) {
        location = token.location
        self.message = message
    }
}

/// The options of one ipvsadm line, sorted out the way popt does it for ipvsadm: any order,
/// each at most once, values in the next word or after `=` in a long spelling.
struct IPVSAdmArguments {
    /// An option as written: the word that named it and its value, if any.
    struct Given {
        var name: IPVSAdmToken
        var value: IPVSAdmToken?
    }

    /// The first word, which names the command (`-A`, `-a`, `-C`).
    var command: (option: IPVSAdmOption, token: IPVSAdmToken)?
    private(set) var given: [IPVSAdmOption: Given] = [:]

    subscript(option: IPVSAdmOption) -> Given? { given[option] }

    /// The options given, in the order they were written.
    var inOrder: [(IPVSAdmOption, Given)] {
        given.map { ($0.key, $0.value) }.sorted { $0.1.name.location < $1.1.name.location }
    }

    /// Sorts the words of one line (without a leading `ipvsadm`) into options.
    init(_ words: [IPVSAdmToken]) throws(IPVSAdmLineError) {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            var name = word.text
            var inlineValue: IPVSAdmToken?
            if name.hasPrefix("--"), let equals = name.firstIndex(of: "=") {
                inlineValue = word.suffix(from: name.unicodeScalars.distance(from: name.startIndex, to: equals) + 1)
                name = String(name[..<equals])
            }
            guard name.hasPrefix("-"), name.count > 1 else {
                throw IPVSAdmLineError(word, "unexpected '\(word.text)': every word is an option (like -t or -w) or the value of the option before it")
            }
            guard let option = IPVSAdmOption.named(name) else {
                if let what = IPVSAdmOption.otherCommands[name] {
                    throw IPVSAdmLineError(word, "'\(name)' \(what); a saved table is built from -A (add service), -a (add server), -C, --set and --start-daemon lines only")
                }
                let suggestion = Suggestion.phrase(for: name, in: IPVSAdmOption.allSpellings)
                throw IPVSAdmLineError(word, "unknown option '\(name)'\(suggestion)")
            }
            if let earlier = given[option] {
                throw IPVSAdmLineError(word, "\(option.displayName) is given twice; the first is at column \(earlier.name.location.column)")
            }
            var value = inlineValue
            switch option.argument {
            case .none:
                if let inlineValue {
                    throw IPVSAdmLineError(inlineValue, "\(option.displayName) takes no value")
                }
            case .required(let what):
                if value == nil {
                    guard index < words.count else {
                        throw IPVSAdmLineError(word, "\(option.displayName) needs a value: \(what)")
                    }
                    value = words[index]
                    index += 1
                }
            case .optional:
                if value == nil, index < words.count, !words[index].text.hasPrefix("-") {
                    value = words[index]
                    index += 1
                }
            }
            if option.role == .command {
                if let command {
                    throw IPVSAdmLineError(word, "one command per line: \(command.option.displayName) is already this line's command")
                }
                command = (option, word)
            } else {
                given[option] = Given(name: word, value: value)
            }
        }
    }
}
