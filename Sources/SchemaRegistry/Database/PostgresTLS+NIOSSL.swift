import NIOSSL
import PostgresNIO
import SchemaCore

extension PostgresTLS {
    /// The PostgresNIO setting for this mode: libpq's meanings, through NIOSSL.
    ///
    /// `prefer` and `require` without `sslrootcert` encrypt without checking who answers (as
    /// libpq does); they protect against a passive listener only. `verify-full` is the mode that
    /// also stops an active one.
    func connectionSetting() throws -> PostgresConnection.Configuration.TLS {
        guard mode != .disable else { return .disable }
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch mode {
        case .verifyFull: configuration.certificateVerification = .fullVerification
        case .verifyCA: configuration.certificateVerification = .noHostnameVerification
        case .require, .prefer: configuration.certificateVerification = verifiesAuthority ? .noHostnameVerification : .none
        case .disable: break
        }
        if let rootCertificate { configuration.trustRoots = .file(rootCertificate) }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw SchemaError(.usage, "cannot use sslrootcert '\(TerminalText.escape(rootCertificate ?? "system"))': \(error)")
        }
        return mode == .prefer ? .prefer(context) : .require(context)
    }
}
