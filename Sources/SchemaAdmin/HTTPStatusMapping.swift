import HTTPTypes
import SchemaCore

/// The one place where domain errors become HTTP statuses.
enum HTTPStatusMapping {
    static func status(for code: SchemaError.Code) -> HTTPResponse.Status {
        switch code {
        case .unauthenticated: .unauthorized
        case .notAdmin, .keyRequired: .forbidden
        case .throttled: .tooManyRequests
        case .unknownItem: .notFound
        case .wrongState, .dataLossNotAcknowledged, .rewriteNotAcknowledged, .adminConflict: .conflict
        case .usage, .invalidName, .keyFile: .badRequest
        case .database, .registryUnreadable, .noRegistry, .fileSystem, .lockTimeout: .serviceUnavailable
        default: .unprocessableContent
        }
    }

    /// What an API client should do about a refusal, in the API's own terms (not the CLI's flags).
    static func advice(for code: SchemaError.Code) -> String? {
        switch code {
        case .dataLossNotAcknowledged: "send {\"allowDataLoss\": true} to acknowledge it"
        case .rewriteNotAcknowledged: "send {\"allowRewrite\": true} to acknowledge it"
        default: nil
        }
    }
}
