import Foundation

/// A PostgreSQL cluster a test starts for itself (initdb, pg_ctl) when it needs server settings
/// the shared one (scripts/with-postgres.sh) must not have, TLS among them. Runs the server as
/// the `postgres` user when the tests run as root, as PostgreSQL requires.
final class ThrowawayCluster {
    let directory: URL
    let port: Int
    private let pgCtl: String

    /// Why a cluster cannot be started here, or nil when it can.
    static var unavailableReason: String? {
        if binary("initdb") == nil || binary("pg_ctl") == nil { return "initdb/pg_ctl not found (install PostgreSQL's server package)" }
        if which("openssl") == nil { return "openssl not found" }
        return nil
    }

    /// Starts a cluster; `prepare` may write files into the data folder (certificates) and returns
    /// extra `postgresql.conf` lines; `hba` replaces pg_hba.conf when given.
    init(settings: (URL) throws -> [String], hba: String? = nil) throws {
        guard let initdb = Self.binary("initdb"), let pgCtl = Self.binary("pg_ctl") else { throw ClusterError("no PostgreSQL binaries") }
        self.pgCtl = pgCtl
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("schema-cluster-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = try Self.freePort()
        try Self.chownToServer(directory.path)
        try Self.runAsServer([initdb, "-D", data.path, "-A", "trust", "-U", "postgres"])
        var lines = ["listen_addresses = '127.0.0.1'", "port = \(port)", "fsync = off", "unix_socket_directories = '\(directory.path)'"]
        lines += try settings(data)
        let configuration = data.appendingPathComponent("postgresql.conf")
        let existing = try String(contentsOf: configuration, encoding: .utf8)
        try (existing + "\n" + lines.joined(separator: "\n") + "\n").write(to: configuration, atomically: true, encoding: .utf8)
        if let hba { try hba.write(to: data.appendingPathComponent("pg_hba.conf"), atomically: true, encoding: .utf8) }
        try Self.chownToServer(data.path, recursive: true)
        try Self.runAsServer([pgCtl, "-D", data.path, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "60", "start"])
    }

    var data: URL { directory.appendingPathComponent("db") }

    /// Stops the server and deletes its files.
    func stop() {
        try? Self.runAsServer([pgCtl, "-D", data.path, "-m", "immediate", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    struct ClusterError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs `arguments` and returns its output; throws with the output when it fails.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let outputFile = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("schema-run-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let handle = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? handle.close()
        let output = (try? String(contentsOf: outputFile, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else { throw ClusterError("\(arguments.joined(separator: " ")) failed: \(output)") }
        return output
    }

    static var isRoot: Bool { getuid() == 0 }

    /// Runs `arguments` as the server's user, through Python's `subprocess`, which closes inherited
    /// descriptors: Foundation learns that a child ended when a descriptor it gave the child closes,
    /// and a server started by `pg_ctl` would otherwise keep it open for its whole life.
    static func runAsServer(_ arguments: [String]) throws {
        let command = isRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + arguments : arguments
        try run([which("python3") ?? "/usr/bin/python3", "-c", "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"] + command)
    }

    /// Hands `path` to the server's user; without root the server runs as this user and owns it already.
    static func chownToServer(_ path: String, recursive: Bool = false) throws {
        if isRoot {
            try run(["/bin/chown"] + (recursive ? ["-R"] : []) + ["postgres", path])
        }
    }

    static func which(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func binary(_ name: String) -> String? {
        if let path = which(name) { return path }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        return versions.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.reversed()
            .map { "/usr/lib/postgresql/\($0)/bin/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func freePort() throws -> Int {
        let output = try run([which("python3") ?? "/usr/bin/python3", "-c",
                              "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1]); s.close()"])
        guard let port = Int(output.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw ClusterError("no free port: \(output)") }
        return port
    }
}

/// A certificate authority and certificates made with the openssl command, for TLS tests.
struct TestCertificates {
    let folder: URL
    var authority: URL { folder.appendingPathComponent("ca.crt") }
    var otherAuthority: URL { folder.appendingPathComponent("other-ca.crt") }
    var serverCertificate: URL { folder.appendingPathComponent("server.crt") }
    var serverKey: URL { folder.appendingPathComponent("server.key") }

    /// A CA, a server certificate it signs for `serverName` only, and an unrelated second CA.
    init(serverName: String) throws {
        folder = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("schema-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let openssl = ThrowawayCluster.which("openssl") ?? "/usr/bin/openssl"
        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        try ThrowawayCluster.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=schema test CA",
                                  "-keyout", path("ca.key"), "-out", path("ca.crt")])
        try ThrowawayCluster.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=someone else's CA",
                                  "-keyout", path("other-ca.key"), "-out", path("other-ca.crt")])
        try ThrowawayCluster.run([openssl, "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(serverName)",
                                  "-keyout", path("server.key"), "-out", path("server.csr")])
        try "subjectAltName=DNS:\(serverName)\n".write(toFile: path("ext.cnf"), atomically: true, encoding: .utf8)
        try ThrowawayCluster.run([openssl, "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                                  "-CAcreateserial", "-days", "2", "-extfile", path("ext.cnf"), "-out", path("server.crt")])
    }

    /// Copies the server's certificate and key into `data` and returns the settings that use them.
    func install(into data: URL) throws -> [String] {
        for (source, name) in [(serverCertificate, "server.crt"), (serverKey, "server.key")] {
            try FileManager.default.copyItem(at: source, to: data.appendingPathComponent(name))
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: data.appendingPathComponent("server.key").path)
        return ["ssl = on", "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'"]
    }
}
