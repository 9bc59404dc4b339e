/// Every failure and refusal the library reports, as a value with a stable code.
///
/// The code says what kind of problem it is; the CLI maps codes to exit codes and the review
/// server maps them to HTTP statuses, each in one place (`ExitStatus`, `HTTPStatusMapping`). The
/// message says what went wrong and how to fix it; `statement` is the SQL that failed, without
/// bound values; `cause` is the underlying error's text, for logs.
public struct SchemaError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of problem this is. The raw values are part of the JSON output and never change meaning.
    public enum Code: String, Hashable, Sendable, Codable, CaseIterable {
        // Usage and configuration
        /// An option, URL, or argument the user gave cannot be used.
        case usage
        /// A key file or trusted-keys file is malformed or unreadable.
        case keyFile = "key-file"
        /// The package files have validation errors, so nothing can be planned from them.
        case invalidPackages = "invalid-packages"

        // Who may do what
        /// The principal is not an admin.
        case notAdmin = "not-admin"
        /// A principal, token or login code is unknown, expired or revoked.
        case unauthenticated
        /// A name that cannot be a principal.
        case invalidName = "invalid-name"
        /// The operation would leave the registry without an admin, or repeats an existing grant.
        case adminConflict = "admin-conflict"
        /// A server that signs approvals accepts decisions only from whoever holds its key.
        case keyRequired = "key-required"
        /// Too many failed sign-ins; try again later.
        case throttled

        // The queue
        /// No queue item has this id.
        case unknownItem = "unknown-item"
        /// The item is not in the state the operation needs.
        case wrongState = "wrong-state"
        /// A destructive change approved without acknowledging the data loss.
        case dataLossNotAcknowledged = "data-loss-not-acknowledged"
        /// A change that rewrites a table approved without acknowledging the rewrite.
        case rewriteNotAcknowledged = "rewrite-not-acknowledged"

        // Verification before apply
        /// The approved item has no approval record.
        case notApproved = "not-approved"
        /// The package files no longer define the approved structure.
        case modifiedAfterApproval = "modified-after-approval"
        /// The stored SQL differs from the SQL that was approved.
        case sqlChanged = "sql-changed"
        /// The stored structure does not hash to its checksum, or the approval pins another one.
        case structureChanged = "structure-changed"
        /// The approval carries no valid signature from a trusted key.
        case notSigned = "not-signed"
        /// The signed approval was already applied once.
        case replayed
        /// The item was planned for another SQL dialect.
        case dialectMismatch = "dialect-mismatch"
        /// The applied structure the item starts from has changed.
        case baseChanged = "base-changed"
        /// The live table differs from the registry's snapshot.
        case drift
        /// Rows in the table violate what the change needs (counted before anything ran).
        case dataViolation = "data-violation"
        /// A data check's query failed (not a timeout), so the start cannot tell whether rows break
        /// the change; nothing ran and the item stays approved.
        case dataCheckFailed = "data-check-failed"
        /// A relation targets a host table the database does not have (the host's migrations have
        /// not run); nothing ran and the item stays approved.
        case hostTableMissing = "host-table-missing"
        /// A unique index on a table the database has partitioned lacks a partition column, which
        /// PostgreSQL refuses; nothing ran and the item stays approved.
        case partitionKeyMissing = "partition-key-missing"
        /// The entity is being rolled out: its contract or rollback comes before another change of it.
        case rolloutOpen = "rollout-open"
        /// A renamed entity and the changes of the tables that reference it (a relation re-pointed,
        /// a many-to-many's join table moved) run in one start, and one of them does not run in
        /// this one; nothing ran and the item stays approved.
        case waitsForRename = "waits-for-rename"
        /// `schema complete` or `schema rollback` found no open rollout to finish.
        case noRollout = "no-rollout"
        /// `schema complete --when-quiet` saw sessions of another application version than the one
        /// whose start applied the expand, or not for long enough; nothing ran: try again later.
        case oldVersionRunning = "old-version-running"

        // Running
        /// A statement failed; everything of its transaction was rolled back.
        case statementFailed = "statement-failed"
        /// A lock could not be had within the timeout and its retries; the items stay approved.
        case lockTimeout = "lock-timeout"
        /// The `--after` command failed.
        case afterCommandFailed = "after-command-failed"
        /// The database could not be reached or answered with an error outside a migration.
        case database
        /// The registry holds rows this version cannot read, or written by a newer version.
        case registryUnreadable = "registry-unreadable"
        /// A read-only command found no registry (nothing scanned yet, or the wrong database), or
        /// one that needs an upgrade only a writing command may make.
        case noRegistry = "no-registry"
        /// A file could not be written.
        case fileSystem = "file-system"
    }

    /// The kind of problem.
    public var code: Code
    /// What went wrong, and how to fix it when there is something specific to say.
    public var message: String
    /// The queue item concerned, if any.
    public var itemId: String?
    /// The SQL statement that failed, if any (bound values are never included).
    public var statement: String?
    /// The underlying error, as text.
    public var cause: String?
    /// The diagnostics behind an `invalid-packages` error.
    public var diagnostics: [Diagnostic]

    /// Creates an error.
    public init(_ code: Code, _ message: String, itemId: String? = nil, statement: String? = nil, cause: String? = nil,
                diagnostics: [Diagnostic] = []) {
        self.code = code
        self.message = message
        self.itemId = itemId
        self.statement = statement
        self.cause = cause
        self.diagnostics = diagnostics
    }

    /// The error with `itemId` set when it has none yet.
    public func concerning(_ itemId: String?) -> SchemaError {
        var copy = self
        if copy.itemId == nil { copy.itemId = itemId }
        return copy
    }

    public var description: String {
        var text = itemId.map { "\($0): \(message)" } ?? message
        if let statement { text += "\n  statement: \(statement.prefix(500))" }
        return text
    }
}

/// An item that an approval, rejection or apply left unchanged, and why.
public struct Refusal: Hashable, Sendable {
    /// The item's id (as given, when no item has it).
    public var itemId: String
    /// The entity the item changes; nil when no item has the id.
    public var entity: String?
    /// Why it was refused.
    public var code: SchemaError.Code
    /// The reason, for people.
    public var message: String

    /// Creates a refusal.
    public init(itemId: String, entity: String?, code: SchemaError.Code, message: String) {
        self.itemId = itemId
        self.entity = entity
        self.code = code
        self.message = message
    }
}
