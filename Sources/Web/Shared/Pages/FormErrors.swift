import MeghnaCore

extension DomainError {
    /// Errors a form shows beside its fields (bad input, a conflict); others (403, 404) become error pages.
    var showsOnForm: Bool {
        switch self {
        case .validation, .conflict: true
        default: false
        }
    }
}
