import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Why a connection to PostgreSQL failed, in words an operator can act on.
///
/// PostgresNIO reports most failures as `connectionError` with the real cause underneath; this
/// reads that cause. The URL in messages is always the printable one, without the password.
enum ConnectionFailure {
    /// The cause of `error` when connecting to `location`, with what to check.
    static func describe(_ error: any Error, location: PostgresLocation) -> String {
        let endpoint = "\(location.host):\(location.port)"
        guard let error = error as? PSQLError else { return "\(error)" }
        if error.code == .sslUnsupported {
            return "the server at \(endpoint) does not offer TLS, and sslmode=\(location.tls.mode.rawValue) insists on it (enable ssl on the server, or use sslmode=prefer on a trusted network)"
        }
        if error.code == .server, let state = error.serverInfo?[.sqlState] {
            let message = error.serverInfo?[.message] ?? state
            switch state {
            case "28P01": return "authentication failed for role '\(location.user)' (\(message)); check the password in the URL"
            case "28000": return "the server refused role '\(location.user)' (\(message)); check pg_hba.conf, or whether the server requires TLS (sslmode=require)"
            case "3D000": return "\(message); create it, or check the database name in the URL"
            default: return message
            }
        }
        if let underlying = error.underlying {
            if let cause = describeTransport(underlying, endpoint: endpoint, location: location) { return cause }
            return "\(error.code): \(underlying)"
        }
        if error.code == .serverClosedConnection || error.code == .uncleanShutdown {
            return "the server at \(endpoint) closed the connection before it was ready (\(error.code)): a timeout, a proxy, or a server that is not PostgreSQL"
        }
        return "\(error.code)"
    }

    static func describeTransport(_ error: any Error, endpoint: String, location: PostgresLocation) -> String? {
        if let connection = error as? NIOConnectionError {
            if connection.connectionErrors.isEmpty, connection.dnsAError != nil || connection.dnsAAAAError != nil {
                return "unknown host '\(location.host)': the name does not resolve; check the host in the URL"
            }
            if let first = connection.connectionErrors.first {
                return describeTransport(first.error, endpoint: endpoint, location: location)
            }
        }
        if let io = error as? IOError, io.errnoCode == ECONNREFUSED {
            return "connection refused at \(endpoint): is PostgreSQL running there, and listening on that address and port?"
        }
        if case ChannelError.connectTimeout = error {
            return "no answer from \(endpoint) within the connect timeout: a firewall, a wrong address, or a server too busy to accept"
        }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "TLS: the server's certificate does not name '\(location.host)' (sslmode=verify-full); connect by a name the certificate carries, or fix the certificate"
        }
        if error is NIOSSLError || error is BoringSSLError {
            let trust = location.tls.rootCertificate.map { "the authorities in \($0)" } ?? "the system's trusted authorities"
            return "TLS handshake failed: the server's certificate is not signed by \(trust); pass the right CA with sslrootcert=FILE"
        }
        return nil
    }
}
