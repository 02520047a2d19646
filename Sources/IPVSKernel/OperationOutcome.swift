public import LVSModel

/// What became of one operation of a batch (`IPVSKernel.perform(_:stopAtFirstFailure:)`).
public enum OperationOutcome: Hashable, Sendable {
    case done
    case failed(IPVSError)
    /// Not sent, because an earlier window of the batch had a failure.
    case notSent

    /// The error, when the operation failed.
    public var error: IPVSError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}
