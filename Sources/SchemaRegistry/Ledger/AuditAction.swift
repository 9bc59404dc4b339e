/// What an audit line records. Exactly-once hangs on some of these (`apply`, `apply-started`), so
/// they are one typed value, written and looked up through the same names, never string
/// literals scattered over queries. The raw values are what the log stores.
public enum AuditAction: String, Hashable, Sendable, CaseIterable {
    // The queue.
    case queue, requeue, supersede
    case queueRepair = "queue-repair"
    // Decisions, and attempts by principals who may not make them.
    case approve, reject, reopen
    case approveDenied = "approve-denied", rejectDenied = "reject-denied", reopenDenied = "reopen-denied"
    // Starts.
    case applyStarted = "apply-started", apply
    case applyFailed = "apply-failed", applyBlocked = "apply-blocked", applyPostponed = "apply-postponed", applyRefused = "apply-refused"
    case rowLevelSecurityInstalled = "rls-installed"
    // Rollouts: the contract or the way back of a change whose expand a start applied.
    case complete, rollback
    /// The first transaction of a `complete` or `rollback` committed (its online steps and last
    /// transaction may remain): a second run does not run it again.
    case completeStarted = "complete-started", rollbackStarted = "rollback-started"
    case completeDenied = "complete-denied", rollbackDenied = "rollback-denied"
    // Admins, tokens and sign-ins.
    case adminBootstrap = "admin-bootstrap", adminAdd = "admin-add", adminAddDenied = "admin-add-denied"
    case adminRemove = "admin-remove", adminRemoveDenied = "admin-remove-denied"
    case tokenIssued = "token-issued", tokenDenied = "token-denied"
    case loginCodeIssued = "login-code-issued", loginCodeDenied = "login-code-denied"
    case tokenRevoke = "token-revoke", tokenRevokeDenied = "token-revoke-denied"
    case login
    case loginFailed = "login-failed"
    // Trust and drift.
    case attest
    case attestDenied = "attest-denied"
    case driftAccept = "drift-accept", driftAcceptDenied = "drift-accept-denied"
    case auditProtected = "audit-protected"

    /// The action recording that a principal who is not an admin tried this decision.
    var denied: AuditAction {
        switch self {
        case .approve: .approveDenied
        case .reject: .rejectDenied
        case .reopen: .reopenDenied
        default: self
        }
    }
}
