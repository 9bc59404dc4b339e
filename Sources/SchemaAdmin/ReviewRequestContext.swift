public import Hummingbird
public import NIOCore

/// The review server's request context: Hummingbird's basic one plus the client's address, which
/// the sign-in throttle counts failures by.
public struct ReviewRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected client (nil when a test drives the router without sockets).
    public let remoteAddress: SocketAddress?

    /// A context for a request arriving on `source`'s channel.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The key the throttle counts this client's failures under: its IP address.
    var client: String { remoteAddress?.ipAddress ?? "unknown" }
}
